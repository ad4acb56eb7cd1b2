// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: the control path.  Every object is created, changed and destroyed
 * by the standard uverbs commands (libibverbs' ibv_cmd_* wrappers).  kiwi
 * sends no driver-specific request; the kernel appends its response
 * (struct kiwi_create_*_resp) after the standard one, and the provider
 * maps the rings it describes.  This file also holds the two system calls
 * the data path may make: the SQ doorbell and the RQ flush kick.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kiwi.h"

/*
 * A standard response followed by kiwi's, with no gap between them.  The
 * standard part is raw bytes: its uapi struct ends in a flexible array,
 * which may not sit in the middle of another struct.
 */
#define KIWI_DECLARE_RESP(name, core_resp, kiwi_resp)			\
	struct name {							\
		uint8_t ibv[sizeof(struct core_resp)]			\
			__attribute__((aligned(8)));			\
		struct kiwi_resp drv;					\
	};								\
	static_assert(offsetof(struct name, drv) ==			\
		      sizeof(struct core_resp), #name " has a gap")

KIWI_DECLARE_RESP(kiwi_cq_resp, ib_uverbs_create_cq_resp,
		  kiwi_create_cq_resp);
KIWI_DECLARE_RESP(kiwi_qp_resp, ib_uverbs_create_qp_resp,
		  kiwi_create_qp_resp);
KIWI_DECLARE_RESP(kiwi_srq_resp, ib_uverbs_create_srq_resp,
		  kiwi_create_srq_resp);

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Map a ring the kernel created for us.  The kernel's numbers are checked
 * (kiwi_ring_init) before the provider relies on them.
 * Return: 0 or a positive errno.
 */
static int kiwi_ring_map(struct ibv_context *ibctx, struct kiwi_uring *r,
			 uint64_t offset, uint32_t len, uint32_t entries,
			 uint32_t esize, bool producer)
{
	void *map;
	int ret;

	if (len < KIWI_RING_HDR_SIZE)
		return EINVAL;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ibctx->cmd_fd, offset);
	if (map == MAP_FAILED)
		return errno;
	ret = kiwi_ring_init(r, map, len, entries, esize, producer);
	if (ret)
		munmap(map, len);
	return ret;
}

static void kiwi_ring_unmap(struct kiwi_uring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

/*
 * The doorbell: the QP number written to the context's doorbell file, or
 * without one, uverbs post_send with no work requests.  The requests are
 * already published, so a failure here cannot be reported as "not
 * posted"; they stay in the ring for the poller or the flush.
 *
 * The file is the cheaper way in: a plain write() into kiwi, with no
 * uverbs command to dispatch.  In one guest boot over veth without the SQ
 * poller, 64 B ib_write_lat medians were 28.6 us with the file and 31.9 us
 * through uverbs, ib_send_lat 35.4 and 36.9 (three interleaved runs each).
 *
 * The uverbs command goes down with write(), as a legacy command.
 * ibv_cmd_post_send() sends the same command, but libibverbs 44 wraps
 * write commands in an ioctl (UVERBS_METHOD_INVOKE_WRITE) where the
 * kernel has it, and the ioctl's attribute handling is dearer: in one
 * guest boot over veth without the SQ poller, 64 B ib_write_lat medians
 * were 32.6 us with write() and 36.0 us through the ioctl, ib_send_lat
 * 34.5 and 38.2 (six interleaved runs each).
 */
void kiwi_sq_doorbell(struct kiwi_qp *qp)
{
	struct kiwi_context *ctx = to_kiwi_ctx(qp->vqp.qp.context);
	uint32_t qpn = qp->vqp.qp.qp_num;
	struct ib_uverbs_post_send_resp resp;
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_post_send cmd;
	} req = {
		.hdr = {
			.command = IB_USER_VERBS_CMD_POST_SEND,
			.in_words = sizeof(req) / 4,
			.out_words = sizeof(resp) / 4,
		},
		.cmd = {
			.response = (uintptr_t)&resp,
			.qp_handle = qp->vqp.qp.handle,
			.wqe_size = sizeof(struct ib_uverbs_send_wr),
		},
	};
	static_assert(sizeof(req) % 4 == 0, "uverbs counts in words");

	if (ctx->db_fd >= 0)
		(void)!write(ctx->db_fd, &qpn, sizeof(qpn));
	else
		(void)!write(qp->vqp.qp.context->cmd_fd, &req, sizeof(req));
}

/* Ask the kernel to flush new receives of a QP in error. */
void kiwi_rq_flush_kick(struct kiwi_qp *qp)
{
	struct ibv_recv_wr *bad;

	(void)ibv_cmd_post_recv(&qp->vqp.qp, NULL, &bad);
}

int kiwi_query_device_ex(struct ibv_context *ibctx,
			 const struct ibv_query_device_ex_input *input,
			 struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct kiwi_context *ctx = to_kiwi_ctx(ibctx);
	struct ib_uverbs_ex_query_device_resp resp;
	size_t resp_size = sizeof(resp);
	uint64_t fw;
	int ret;

	ret = ibv_cmd_query_device_any(ibctx, input, attr, attr_size, &resp,
				       &resp_size);
	if (ret)
		return ret;
	if (ctx->fw_ver[0]) {
		snprintf(attr->orig_attr.fw_ver, sizeof(attr->orig_attr.fw_ver),
			 "%s", ctx->fw_ver);
		return 0;
	}
	fw = resp.base.fw_ver;
	snprintf(attr->orig_attr.fw_ver, sizeof(attr->orig_attr.fw_ver),
		 "%u.%u.%u", (unsigned int)(fw >> 32),
		 (unsigned int)(fw >> 16) & 0xffff, (unsigned int)fw & 0xffff);
	return 0;
}

int kiwi_query_port(struct ibv_context *ibctx, uint8_t port,
		    struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	return ibv_cmd_query_port(ibctx, port, attr, &cmd, sizeof(cmd));
}

struct ibv_pd *kiwi_alloc_pd(struct ibv_context *ibctx)
{
	struct ib_uverbs_alloc_pd_resp resp;
	struct ibv_alloc_pd cmd;
	struct ibv_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;
	ret = ibv_cmd_alloc_pd(ibctx, pd, &cmd, sizeof(cmd), &resp,
			       sizeof(resp));
	if (ret) {
		free(pd);
		errno = ret;
		return NULL;
	}
	return pd;
}

int kiwi_dealloc_pd(struct ibv_pd *pd)
{
	int ret = ibv_cmd_dealloc_pd(pd);

	if (!ret)
		free(pd);
	return ret;
}

struct ibv_mr *kiwi_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			   uint64_t hca_va, int access)
{
	struct ib_uverbs_reg_mr_resp resp;
	struct ibv_reg_mr cmd;
	struct verbs_mr *vmr;
	int ret;

	vmr = calloc(1, sizeof(*vmr));
	if (!vmr)
		return NULL;
	ret = ibv_cmd_reg_mr(pd, addr, length, hca_va, access, vmr, &cmd,
			     sizeof(cmd), &resp, sizeof(resp));
	if (ret) {
		free(vmr);
		errno = ret;
		return NULL;
	}
	return &vmr->ibv_mr;
}

int kiwi_dereg_mr(struct verbs_mr *vmr)
{
	int ret = ibv_cmd_dereg_mr(vmr);

	if (!ret)
		free(vmr);
	return ret;
}

/* Return: the CQ, or NULL with errno set. */
static struct kiwi_cq *kiwi_cq_new(struct ibv_context *ibctx, uint32_t cqe,
				   struct ibv_comp_channel *channel,
				   int comp_vector)
{
	struct kiwi_cq_resp resp = {};
	struct ibv_create_cq cmd;
	struct kiwi_cq *cq;
	int ret;

	if (!cqe || cqe > INT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	cq = calloc(1, sizeof(*cq));
	if (!cq)
		return NULL;
	pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	cq->locked = true;

	ret = ibv_cmd_create_cq(ibctx, cqe, channel, comp_vector, &cq->vcq.cq,
				&cmd, sizeof(cmd),
				(struct ib_uverbs_create_cq_resp *)resp.ibv,
				sizeof(resp));
	if (ret)
		goto err_free;
	ret = kiwi_ring_map(ibctx, &cq->ring, resp.drv.mmap_offset,
			    resp.drv.mmap_size, resp.drv.num_entries,
			    sizeof(struct kiwi_cqe), false);
	if (ret)
		goto err_destroy;
	return cq;

err_destroy:
	ibv_cmd_destroy_cq(&cq->vcq.cq);
err_free:
	pthread_spin_destroy(&cq->lock);
	free(cq);
	errno = ret;
	return NULL;
}

struct ibv_cq *kiwi_create_cq(struct ibv_context *ibctx, int cqe,
			      struct ibv_comp_channel *channel,
			      int comp_vector)
{
	struct kiwi_cq *cq;

	if (cqe <= 0) {
		errno = EINVAL;
		return NULL;
	}
	cq = kiwi_cq_new(ibctx, cqe, channel, comp_vector);
	return cq ? &cq->vcq.cq : NULL;
}

/*
 * ibv_create_cq_ex().  No parent domains, no CQ flags but
 * SINGLE_THREADED, and only the completion fields an iWARP RC QP has:
 * everything else is EOPNOTSUPP.
 */
struct ibv_cq_ex *kiwi_create_cq_ex(struct ibv_context *ibctx,
				    struct ibv_cq_init_attr_ex *attr)
{
	uint32_t flags = 0;
	struct kiwi_cq *cq;

	if (attr->comp_mask & ~(uint32_t)IBV_CQ_INIT_ATTR_MASK_FLAGS ||
	    attr->wc_flags & ~(uint64_t)KIWI_CQ_EX_WC_FLAGS) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS)
		flags = attr->flags;
	if (flags & ~(uint32_t)IBV_CREATE_CQ_ATTR_SINGLE_THREADED) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	cq = kiwi_cq_new(ibctx, attr->cqe, attr->channel, attr->comp_vector);
	if (!cq)
		return NULL;
	cq->locked = !(flags & IBV_CREATE_CQ_ATTR_SINGLE_THREADED);
	kiwi_cq_ex_init(cq);
	return &cq->vcq.cq_ex;
}

int kiwi_destroy_cq(struct ibv_cq *ibcq)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	int ret;

	ret = ibv_cmd_destroy_cq(ibcq);
	if (ret)
		return ret;
	kiwi_ring_unmap(&cq->ring);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	return 0;
}

/* Check what ibv_create_qp_ex() asks for.  Return: 0 or a positive errno. */
static int kiwi_qp_check_attr(const struct ibv_qp_init_attr_ex *attr)
{
	const uint32_t known = IBV_QP_INIT_ATTR_PD |
			       IBV_QP_INIT_ATTR_CREATE_FLAGS |
			       IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;

	if (attr->comp_mask & ~known)
		return EOPNOTSUPP;
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd)
		return EINVAL;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS &&
	    attr->create_flags)
		return EOPNOTSUPP;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS &&
	    attr->send_ops_flags & ~(uint64_t)KIWI_QP_EX_SEND_OPS)
		return EOPNOTSUPP;
	if (attr->qp_type != IBV_QPT_RC)
		return EOPNOTSUPP;
	return 0;
}

/* Return: the QP, or NULL with errno set. */
static struct kiwi_qp *kiwi_qp_new(struct ibv_context *ibctx,
				   struct ibv_qp_init_attr_ex *attr)
{
	struct kiwi_context *ctx = to_kiwi_ctx(ibctx);
	struct ibv_qp_init_attr_ex cmd_attr;
	struct kiwi_qp_resp resp = {};
	struct ibv_create_qp cmd;
	struct kiwi_qp *qp;
	int ret;

	ret = kiwi_qp_check_attr(attr);
	if (ret) {
		errno = ret;
		return NULL;
	}
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	pthread_spin_init(&qp->sq.lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&qp->rq.lock, PTHREAD_PROCESS_PRIVATE);

	/* libibverbs' wrapper knows only PD, XRCD and SEND_OPS_FLAGS. */
	cmd_attr = *attr;
	cmd_attr.comp_mask &= IBV_QP_INIT_ATTR_PD |
			      IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	ret = ibv_cmd_create_qp_ex(ibctx, &qp->vqp, &cmd_attr, &cmd,
				   sizeof(cmd),
				   (struct ib_uverbs_create_qp_resp *)resp.ibv,
				   sizeof(resp));
	if (ret)
		goto err_free;
	attr->cap = cmd_attr.cap;

	ret = kiwi_ring_map(ibctx, &qp->sq.ring, resp.drv.sq_mmap_offset,
			    resp.drv.sq_mmap_size, resp.drv.sq_entries,
			    sizeof(struct kiwi_sqe), true);
	if (ret)
		goto err_destroy;
	qp->has_srq = attr->srq;
	if (!qp->has_srq) {
		ret = kiwi_ring_map(ibctx, &qp->rq.ring,
				    resp.drv.rq_mmap_offset,
				    resp.drv.rq_mmap_size, resp.drv.rq_entries,
				    sizeof(struct kiwi_rqe), true);
		if (ret)
			goto err_unmap_sq;
	}

	/* Never beyond what a slot holds, whatever the kernel says. */
	qp->sq.max_sge = min_u32(attr->cap.max_send_sge, KIWI_MAX_SEND_SGE);
	qp->sq.max_sge_rd = min_u32(ctx->max_sge_rd, qp->sq.max_sge);
	qp->sq.max_inline = min_u32(resp.drv.max_inline, KIWI_MAX_INLINE);
	qp->sq.sig_all = attr->sq_sig_all ? KIWI_SQE_SIGNALED : 0;
	qp->sq.db_always = !(ctx->flags & KIWI_CTX_F_SQ_POLL);
	qp->rq.max_sge = min_u32(attr->cap.max_recv_sge, KIWI_MAX_RECV_SGE);
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		kiwi_qp_ex_init(qp);
	return qp;

err_unmap_sq:
	kiwi_ring_unmap(&qp->sq.ring);
err_destroy:
	ibv_cmd_destroy_qp(&qp->vqp.qp);
err_free:
	pthread_spin_destroy(&qp->rq.lock);
	pthread_spin_destroy(&qp->sq.lock);
	free(qp);
	errno = ret;
	return NULL;
}

struct ibv_qp *kiwi_create_qp(struct ibv_pd *pd,
			      struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex ex = {
		.qp_context = attr->qp_context,
		.send_cq = attr->send_cq,
		.recv_cq = attr->recv_cq,
		.srq = attr->srq,
		.cap = attr->cap,
		.qp_type = attr->qp_type,
		.sq_sig_all = attr->sq_sig_all,
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = pd,
	};
	struct kiwi_qp *qp = kiwi_qp_new(pd->context, &ex);

	if (!qp)
		return NULL;
	attr->cap = ex.cap;
	return &qp->vqp.qp;
}

struct ibv_qp *kiwi_create_qp_ex(struct ibv_context *ibctx,
				 struct ibv_qp_init_attr_ex *attr)
{
	struct kiwi_qp *qp = kiwi_qp_new(ibctx, attr);

	return qp ? &qp->vqp.qp : NULL;
}

int kiwi_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		   int attr_mask)
{
	struct ibv_modify_qp cmd;

	return ibv_cmd_modify_qp(ibqp, attr, attr_mask, &cmd, sizeof(cmd));
}

int kiwi_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		  int attr_mask, struct ibv_qp_init_attr *init_attr)
{
	struct ibv_query_qp cmd;

	return ibv_cmd_query_qp(ibqp, attr, attr_mask, init_attr, &cmd,
				sizeof(cmd));
}

int kiwi_destroy_qp(struct ibv_qp *ibqp)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	int ret;

	ret = ibv_cmd_destroy_qp(ibqp);
	if (ret)
		return ret;
	kiwi_ring_unmap(&qp->rq.ring);
	kiwi_ring_unmap(&qp->sq.ring);
	pthread_spin_destroy(&qp->rq.lock);
	pthread_spin_destroy(&qp->sq.lock);
	free(qp);
	return 0;
}

struct ibv_srq *kiwi_create_srq(struct ibv_pd *pd,
				struct ibv_srq_init_attr *attr)
{
	struct kiwi_srq_resp resp = {};
	struct ibv_create_srq cmd;
	struct kiwi_srq *srq;
	int ret;

	srq = calloc(1, sizeof(*srq));
	if (!srq)
		return NULL;
	pthread_spin_init(&srq->rq.lock, PTHREAD_PROCESS_PRIVATE);

	ret = ibv_cmd_create_srq(pd, &srq->vsrq.srq, attr, &cmd, sizeof(cmd),
				 (struct ib_uverbs_create_srq_resp *)resp.ibv,
				 sizeof(resp));
	if (ret)
		goto err_free;
	ret = kiwi_ring_map(pd->context, &srq->rq.ring, resp.drv.mmap_offset,
			    resp.drv.mmap_size, resp.drv.num_entries,
			    sizeof(struct kiwi_rqe), true);
	if (ret)
		goto err_destroy;
	srq->rq.max_sge = min_u32(attr->attr.max_sge, KIWI_MAX_RECV_SGE);
	return &srq->vsrq.srq;

err_destroy:
	ibv_cmd_destroy_srq(&srq->vsrq.srq);
err_free:
	pthread_spin_destroy(&srq->rq.lock);
	free(srq);
	errno = ret;
	return NULL;
}

int kiwi_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr,
		    int attr_mask)
{
	struct ibv_modify_srq cmd;

	return ibv_cmd_modify_srq(ibsrq, attr, attr_mask, &cmd, sizeof(cmd));
}

int kiwi_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd;

	return ibv_cmd_query_srq(ibsrq, attr, &cmd, sizeof(cmd));
}

int kiwi_destroy_srq(struct ibv_srq *ibsrq)
{
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);
	int ret;

	ret = ibv_cmd_destroy_srq(ibsrq);
	if (ret)
		return ret;
	kiwi_ring_unmap(&srq->rq.ring);
	pthread_spin_destroy(&srq->rq.lock);
	free(srq);
	return 0;
}
