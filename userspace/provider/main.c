// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: libkiwi, the rdma-core provider for the kiwi software iWARP RNIC.
 * This file finds kiwi devices, sets up a context and registers the
 * provider with libibverbs.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiwi.h"

/*
 * Refuse, at load time, a libibverbs older than rdma-core 36: the symbol
 * version IBVERBS_1.14 appeared in 36, together with the 76-entry
 * verbs_context_ops this provider is built for.  (A libibverbs newer than
 * 56 lacks verbs_register_driver_34, which refuses us just as well.)
 */
__attribute__((used)) static int (*const kiwi_needs_rdma_core_36)(
	struct ibv_qp *, enum ibv_wr_opcode, uint32_t) =
	ibv_query_qp_data_in_order;

/*
 * The kernel driver registers with driver id RDMA_DRIVER_UNKNOWN, so a
 * kiwi device is recognised by the sysfs attribute only kiwi exports,
 * whatever name `rdma link add` gave it.  The attribute also carries the
 * ABI of the rings, which must be ours; libibverbs checks the uverbs ABI
 * (match_{min,max}_abi_version) on top.
 */
static bool kiwi_match_device(struct verbs_sysfs_dev *sysfs_dev)
{
	char buf[16];
	char *end;
	unsigned long abi;

	if (ibv_read_ibdev_sysfs_file(buf, sizeof(buf), sysfs_dev,
				      "kiwi_abi_version") <= 0)
		return false;
	errno = 0;
	abi = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return false;
	return abi == KIWI_ABI_VERSION;
}

static const struct verbs_context_ops kiwi_ctx_ops;

/* Check the kernel's description of the rings against ours. */
static bool kiwi_ctx_resp_ok(const struct kiwi_alloc_ctx_resp *r)
{
	return r->abi_version == KIWI_ABI_VERSION &&
	       r->sqe_size == sizeof(struct kiwi_sqe) &&
	       r->rqe_size == sizeof(struct kiwi_rqe) &&
	       r->cqe_size == sizeof(struct kiwi_cqe) &&
	       r->ring_hdr_size == KIWI_RING_HDR_SIZE;
}

/*
 * The SGE limit of an RDMA Read sink, from the device; one if the query
 * fails (an iWARP Read Request names one sink region).
 */
static uint32_t kiwi_query_max_sge_rd(struct ibv_context *ibctx)
{
	struct ibv_device_attr_ex attr;

	if (ibv_cmd_query_device_any(ibctx, NULL, &attr,
				     sizeof(attr.orig_attr), NULL, NULL) ||
	    attr.orig_attr.max_sge_rd < 1)
		return 1;
	return attr.orig_attr.max_sge_rd;
}

/*
 * The firmware version ibv_devinfo shows: kiwi reports its build in sysfs
 * (fw_ver) rather than as the number query_device carries.
 */
static void kiwi_read_fw_ver(struct kiwi_context *ctx, struct ibv_device *ibdev)
{
	struct verbs_device *vdev =
		kiwi_container_of(ibdev, struct verbs_device, device);
	int n;

	n = ibv_read_ibdev_sysfs_file(ctx->fw_ver, sizeof(ctx->fw_ver),
				      vdev->sysfs, "fw_ver");
	if (n <= 0) {
		ctx->fw_ver[0] = 0;
		return;
	}
	ctx->fw_ver[strcspn(ctx->fw_ver, "\n")] = 0;
}

static struct verbs_context *kiwi_alloc_context(struct ibv_device *ibdev,
						int cmd_fd,
						void *private_data)
{
	/* As in verbs.c: the standard part as bytes, then kiwi's. */
	struct {
		uint8_t ibv[sizeof(struct ib_uverbs_get_context_resp)]
			__attribute__((aligned(8)));
		struct kiwi_alloc_ctx_resp drv;
	} resp = {};
	struct {
		struct ibv_get_context ibv;
		struct kiwi_alloc_ctx_req drv;
	} cmd = {};
	struct kiwi_context *ctx;
	const char *env;
	int ret;

	static_assert(offsetof(typeof(resp), drv) ==
		      sizeof(struct ib_uverbs_get_context_resp),
		      "context response has a gap");
	static_assert(offsetof(struct kiwi_context, ibv_ctx) == 0,
		      "the verbs_context leads");

	ctx = _verbs_init_and_alloc_context(ibdev, cmd_fd, sizeof(*ctx), NULL,
					    RDMA_DRIVER_UNKNOWN);
	if (!ctx)
		return NULL;

	/* KIWI_UVERBS_DOORBELL=1: ring through uverbs (for comparisons). */
	env = getenv("KIWI_UVERBS_DOORBELL");
	if (!env || strcmp(env, "1"))
		cmd.drv.flags = KIWI_CTX_REQ_DB_FD;
	ctx->db_fd = -1;
	ret = ibv_cmd_get_context(&ctx->ibv_ctx, &cmd.ibv, sizeof(cmd),
				  (struct ib_uverbs_get_context_resp *)resp.ibv,
				  sizeof(resp));
	/*
	 * A module older than the doorbell file takes only a request of
	 * zeroes: without the file, the doorbell goes through uverbs.  A
	 * failed alloc_ucontext leaves no context behind, so asking again
	 * on the same file is allowed.
	 */
	if (ret == EINVAL && cmd.drv.flags) {
		cmd.drv.flags = 0;
		ret = ibv_cmd_get_context(&ctx->ibv_ctx, &cmd.ibv, sizeof(cmd),
					  (struct ib_uverbs_get_context_resp *)
						  resp.ibv,
					  sizeof(resp));
	}
	if (ret)
		goto err_uninit;
	if (resp.drv.flags & KIWI_CTX_F_DB_FD)
		ctx->db_fd = resp.drv.db_fd;
	if (!kiwi_ctx_resp_ok(&resp.drv)) {
		ret = EPROTO;
		goto err_uninit;
	}
	ctx->flags = resp.drv.flags;
	verbs_set_ops(&ctx->ibv_ctx, &kiwi_ctx_ops);
	ctx->max_sge_rd = kiwi_query_max_sge_rd(&ctx->ibv_ctx.context);
	kiwi_read_fw_ver(ctx, ibdev);
	return &ctx->ibv_ctx;

err_uninit:
	if (ctx->db_fd >= 0)
		close(ctx->db_fd);
	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
	errno = ret;
	return NULL;
}

static void kiwi_free_context(struct ibv_context *ibctx)
{
	struct kiwi_context *ctx = to_kiwi_ctx(ibctx);

	if (ctx->db_fd >= 0)
		close(ctx->db_fd);
	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
}

static struct verbs_device *kiwi_alloc_device(struct verbs_sysfs_dev *sysfs)
{
	struct kiwi_device *dev = calloc(1, sizeof(*dev));

	return dev ? &dev->ibv_dev : NULL;
}

static void kiwi_uninit_device(struct verbs_device *vdev)
{
	free(kiwi_container_of(vdev, struct kiwi_device, ibv_dev));
}

/*
 * What kiwi implements.  Everything else (memory windows, atomics and
 * immediate data through their opcodes, address handles, multicast, XRC,
 * flows, WQs, device memory, counters, resize_cq) stays with libibverbs'
 * stubs, which fail with EOPNOTSUPP.
 */
static const struct verbs_context_ops kiwi_ctx_ops = {
	.alloc_pd = kiwi_alloc_pd,
	.create_cq = kiwi_create_cq,
	.create_cq_ex = kiwi_create_cq_ex,
	.create_qp = kiwi_create_qp,
	.create_qp_ex = kiwi_create_qp_ex,
	.create_srq = kiwi_create_srq,
	.dealloc_pd = kiwi_dealloc_pd,
	.dereg_mr = kiwi_dereg_mr,
	.destroy_cq = kiwi_destroy_cq,
	.destroy_qp = kiwi_destroy_qp,
	.destroy_srq = kiwi_destroy_srq,
	.free_context = kiwi_free_context,
	.modify_qp = kiwi_modify_qp,
	.modify_srq = kiwi_modify_srq,
	.poll_cq = kiwi_poll_cq,
	.post_recv = kiwi_post_recv,
	.post_send = kiwi_post_send,
	.post_srq_recv = kiwi_post_srq_recv,
	.query_device_ex = kiwi_query_device_ex,
	.query_port = kiwi_query_port,
	.query_qp = kiwi_query_qp,
	.query_srq = kiwi_query_srq,
	.reg_mr = kiwi_reg_mr,
	.req_notify_cq = kiwi_req_notify_cq,
};

/*
 * No table entry matches a kiwi device (its driver id is UNKNOWN; see
 * kiwi_match_device()), but libibverbs walks this table for every device
 * with a known driver id, so it must exist and end in a sentinel.
 */
static const struct verbs_match_ent kiwi_match_table[] = {
	{ .kind = VERBS_MATCH_SENTINEL },
};

static const struct verbs_device_ops kiwi_dev_ops = {
	.alloc_context = kiwi_alloc_context,
	.alloc_device = kiwi_alloc_device,
	.match_device = kiwi_match_device,
	.match_max_abi_version = KIWI_ABI_VERSION,
	.match_min_abi_version = KIWI_ABI_VERSION,
	.match_table = kiwi_match_table,
	.name = "kiwi",
	.uninit_device = kiwi_uninit_device,
};

/* libibverbs dlopen()s us; register on load. */
__attribute__((constructor)) static void kiwi_register(void)
{
	verbs_register_driver_34(&kiwi_dev_ops);
}
