// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: check verbs_provider.h against the libibverbs installed here, at
 * run time, through the library's own code.
 *
 * verbs_set_ops() copies each non-NULL entry of a provider's
 * verbs_context_ops into libibverbs' private copy and, for most entries,
 * into a public slot of struct verbs_context or struct ibv_context_ops.
 * It reads each entry at the offset libibverbs was compiled with.  So,
 * fed a table whose every entry is a distinct marker:
 *  - each public slot must receive the marker of the entry of that name
 *    in our layout: the names line up;
 *  - the private copy must hold exactly our 76 markers in order, and not
 *    a 77th read from past the end of our table: the sizes line up.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <cstdint>
#include <cstring>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

constexpr size_t kOps = KIWI_VERBS_CONTEXT_OPS;

uintptr_t marker(size_t i)
{
	return 0x6b697769000ull + i * 16;	/* never called */
}

/* Our table, followed by a marker libibverbs must not read. */
struct MarkedOps {
	verbs_context_ops ops;
	uintptr_t beyond[4];
};

struct Fixture {
	MarkedOps table;
	std::vector<uint8_t> ctx_mem;
	std::vector<uintptr_t> priv;
	verbs_context *vctx;

	Fixture() : ctx_mem(sizeof(verbs_context) + 64, 0), priv(4096, 0)
	{
		uintptr_t *w = reinterpret_cast<uintptr_t *>(&table);
		static_assert(sizeof(MarkedOps) == (kOps + 4) * sizeof(uintptr_t));
		for (size_t i = 0; i < kOps + 4; i++)
			w[i] = marker(i);
		vctx = reinterpret_cast<verbs_context *>(ctx_mem.data());
		vctx->priv = reinterpret_cast<verbs_ex_private *>(priv.data());
		verbs_set_ops(vctx, &table.ops);
	}
};

size_t index_of(size_t offset)
{
	return offset / sizeof(void *);
}

#define OPS_INDEX(name) index_of(offsetof(verbs_context_ops, name))

TEST(Abi, OurTableHas76Entries)
{
	EXPECT_EQ(sizeof(verbs_context_ops), kOps * sizeof(void *));
	EXPECT_EQ(OPS_INDEX(unimport_pd), kOps - 1);
}

TEST(Abi, PrivateCopyHasExactlyOurEntries)
{
	Fixture f;
	size_t start = f.priv.size();

	for (size_t i = 0; i < f.priv.size(); i++)
		if (f.priv[i] == marker(0)) {
			start = i;
			break;
		}
	ASSERT_LT(start + kOps, f.priv.size()) << "verbs_set_ops copied nothing";
	for (size_t i = 0; i < kOps; i++)
		EXPECT_EQ(f.priv[start + i], marker(i)) << "entry " << i;
	/* libibverbs' table ends where ours does. */
	EXPECT_NE(f.priv[start + kOps], marker(kOps));
}

/* Entries verbs_set_ops also stores in struct verbs_context. */
#define VCTX(name) { #name, OPS_INDEX(name), \
	[](verbs_context *v) { return uintptr_t(v->name); } }
#define VCTX2(slot, name) { #name, OPS_INDEX(name), \
	[](verbs_context *v) { return uintptr_t(v->slot); } }
/* ... in struct ibv_context_ops. */
#define CTX(name) { #name, OPS_INDEX(name), \
	[](verbs_context *v) { return uintptr_t(v->context.ops.name); } }
#define COMPAT(name) { #name, OPS_INDEX(name), \
	[](verbs_context *v) { \
		return uintptr_t(v->context.ops._compat_##name); } }

struct PublicSlot {
	const char *name;
	size_t index;
	uintptr_t (*read)(verbs_context *v);
};

const PublicSlot public_slots[] = {
	VCTX(advise_mr),
	VCTX(alloc_dm),
	CTX(alloc_mw),
	VCTX(alloc_null_mr),
	VCTX(alloc_parent_domain),
	COMPAT(alloc_pd),
	VCTX(alloc_td),
	COMPAT(async_event),
	VCTX(attach_counters_point_flow),
	COMPAT(attach_mcast),
	CTX(bind_mw),
	VCTX(close_xrcd),
	COMPAT(cq_event),
	COMPAT(create_ah),
	VCTX(create_counters),
	COMPAT(create_cq),
	VCTX2(ibv_create_flow, create_flow),
	VCTX(create_flow_action_esp),
	COMPAT(create_qp),
	VCTX(create_qp_ex),
	VCTX(create_rwq_ind_table),
	COMPAT(create_srq),
	VCTX(create_srq_ex),
	VCTX(create_wq),
	CTX(dealloc_mw),
	COMPAT(dealloc_pd),
	VCTX(dealloc_td),
	COMPAT(dereg_mr),
	COMPAT(destroy_ah),
	VCTX(destroy_counters),
	COMPAT(destroy_cq),
	VCTX2(ibv_destroy_flow, destroy_flow),
	VCTX(destroy_flow_action),
	COMPAT(destroy_qp),
	VCTX(destroy_rwq_ind_table),
	COMPAT(destroy_srq),
	VCTX(destroy_wq),
	COMPAT(detach_mcast),
	VCTX(free_dm),
	VCTX(get_srq_num),
	VCTX(modify_cq),
	VCTX(modify_flow_action_esp),
	COMPAT(modify_qp),
	VCTX(modify_qp_rate_limit),
	COMPAT(modify_srq),
	VCTX(modify_wq),
	VCTX(open_qp),
	VCTX(open_xrcd),
	CTX(poll_cq),
	CTX(post_recv),
	CTX(post_send),
	VCTX(post_srq_ops),
	CTX(post_srq_recv),
	VCTX(query_device_ex),
	COMPAT(query_qp),
	VCTX(query_rt_values),
	COMPAT(query_srq),
	VCTX(read_counters),
	VCTX(reg_dm_mr),
	COMPAT(reg_mr),
	CTX(req_notify_cq),
	COMPAT(rereg_mr),
	COMPAT(resize_cq),
};

TEST(Abi, PublicSlotsGetTheEntryOfTheirName)
{
	Fixture f;

	for (const PublicSlot &s : public_slots)
		EXPECT_EQ(s.read(f.vctx), marker(s.index)) << s.name;
	/* 63 of the 76 are checked by name; the other 13 only by position. */
	EXPECT_EQ(sizeof(public_slots) / sizeof(public_slots[0]), 63u);
}

} // namespace
} // namespace kiwi_test
