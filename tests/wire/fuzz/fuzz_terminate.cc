// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: TERMINATE message parser (and build round trip).
 */
#include <cstdint>
#include <cstring>

#include <kiwi/terminate.h>

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kiwi_term t;
	int r = kiwi_term_parse(data, size, &t);
	if (r) {
		CHECK(r == -EBADMSG || r == -EPROTO);
		CHECK(r != -EBADMSG || size < KIWI_TERM_CTRL_LEN);
		return 0;
	}
	CHECK(size >= KIWI_TERM_CTRL_LEN);
	CHECK(t.ddp_hdr_len == 0 || t.ddp_hdr_len == 14 || t.ddp_hdr_len == 18);
	CHECK(t.rdma_hdr_len == 0 || t.rdma_hdr_len == 28);
	CHECK(!t.ddp_hdr_len || (t.hdrct & KIWI_TERM_HDRCT_D));
	CHECK(!t.rdma_hdr_len || (t.hdrct & KIWI_TERM_HDRCT_R));
	CHECK(KIWI_TERM_CTRL_LEN + (t.ddp_hdr_len ? 2u + t.ddp_hdr_len : 0) +
	      t.rdma_hdr_len <= size);

	/* rebuild what was understood; it must parse back identically */
	kiwi_term u = t;
	if (!u.ddp_hdr_len)
		u.hdrct &= ~(KIWI_TERM_HDRCT_D | KIWI_TERM_HDRCT_M);
	if (!u.rdma_hdr_len)
		u.hdrct &= ~KIWI_TERM_HDRCT_R;
	if (!(u.hdrct & KIWI_TERM_HDRCT_M))
		u.seg_len = 0;
	uint8_t buf[KIWI_TERM_MAX_LEN];
	int n = kiwi_term_build(buf, sizeof(buf), &u);
	CHECK(n >= KIWI_TERM_CTRL_LEN);
	kiwi_term v;
	CHECK(kiwi_term_parse(buf, n, &v) == 0);
	CHECK(!memcmp(&u.code, &v.code, sizeof(u.code)));
	CHECK(u.hdrct == v.hdrct && u.seg_len == v.seg_len);
	CHECK(u.ddp_hdr_len == v.ddp_hdr_len && u.rdma_hdr_len == v.rdma_hdr_len);
	CHECK(!memcmp(u.ddp_hdr, v.ddp_hdr, u.ddp_hdr_len));
	CHECK(!memcmp(u.rdma_hdr, v.rdma_hdr, u.rdma_hdr_len));
	return 0;
}
