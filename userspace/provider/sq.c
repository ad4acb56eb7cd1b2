// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: the send queue.  Work requests become struct kiwi_sqe slots in the
 * mapped SQ, from ibv_post_send() or from the ibv_qp_ex builder
 * (ibv_wr_start ... ibv_wr_complete), and are published with one release
 * store; the doorbell system call is made only when the kernel asks for
 * it (see ring.h and the uapi header).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <errno.h>
#include <string.h>

#include "kiwi.h"

/**
 * struct kiwi_send_op - what the send queue knows about one opcode
 * @name: for humans; NULL marks an opcode libibverbs does not define
 * @opcode: the kiwi_wr_opcode it becomes
 * @supported: user QPs may post it (else EOPNOTSUPP)
 * @remote: carries remote_addr and rkey
 * @read: data flows into the local SGEs: at most max_sge_rd of them, and
 *	no inline data
 */
struct kiwi_send_op {
	const char *name;
	uint8_t opcode;
	bool supported;
	bool remote;
	bool read;
};

/* Indexed by enum ibv_wr_opcode. */
static const struct kiwi_send_op kiwi_send_ops[] = {
	[IBV_WR_RDMA_WRITE] = {
		.name = "RDMA_WRITE", .opcode = KIWI_WR_WRITE,
		.supported = true, .remote = true,
	},
	[IBV_WR_RDMA_WRITE_WITH_IMM] = {
		.name = "RDMA_WRITE_WITH_IMM", .opcode = KIWI_WR_WRITE_IMM,
	},
	[IBV_WR_SEND] = {
		.name = "SEND", .opcode = KIWI_WR_SEND, .supported = true,
	},
	[IBV_WR_SEND_WITH_IMM] = {
		.name = "SEND_WITH_IMM", .opcode = KIWI_WR_SEND_IMM,
	},
	[IBV_WR_RDMA_READ] = {
		.name = "RDMA_READ", .opcode = KIWI_WR_READ,
		.supported = true, .remote = true, .read = true,
	},
	[IBV_WR_ATOMIC_CMP_AND_SWP] = {
		.name = "ATOMIC_CMP_AND_SWP", .opcode = KIWI_WR_ATOMIC_CS,
	},
	[IBV_WR_ATOMIC_FETCH_AND_ADD] = {
		.name = "ATOMIC_FETCH_AND_ADD", .opcode = KIWI_WR_ATOMIC_FA,
	},
	/* Local invalidation is for kernel consumers: no MWs in userspace. */
	[IBV_WR_LOCAL_INV] = {
		.name = "LOCAL_INV", .opcode = KIWI_WR_LOCAL_INV,
	},
	[IBV_WR_BIND_MW] = { .name = "BIND_MW" },
	[IBV_WR_SEND_WITH_INV] = {
		.name = "SEND_WITH_INV", .opcode = KIWI_WR_SEND_INV,
		.supported = true,
	},
	[IBV_WR_TSO] = { .name = "TSO" },
	[IBV_WR_DRIVER1] = { .name = "DRIVER1" },
};

/*
 * Range-check the opcode before the lookup: it comes from the caller.
 * Return: the entry, or NULL for an opcode libibverbs does not define.
 */
static const struct kiwi_send_op *kiwi_send_op(unsigned int opcode)
{
	if (opcode >= KIWI_ARRAY_SIZE(kiwi_send_ops) ||
	    !kiwi_send_ops[opcode].name)
		return NULL;
	return &kiwi_send_ops[opcode];
}

/* SQE flags from ibv_send_flags; INLINE is decided by the data. */
static uint8_t kiwi_sqe_flags(const struct kiwi_sq *sq, unsigned int flags)
{
	uint8_t f = sq->sig_all;

	if (flags & IBV_SEND_SIGNALED)
		f |= KIWI_SQE_SIGNALED;
	if (flags & IBV_SEND_SOLICITED)
		f |= KIWI_SQE_SOLICITED;
	if (flags & IBV_SEND_FENCE)
		f |= KIWI_SQE_FENCE;
	return f;
}

/* Fill everything but the data of a slot; the slot may hold old bytes. */
static void kiwi_sqe_init(const struct kiwi_sq *sq, struct kiwi_sqe *sqe,
			  const struct kiwi_send_op *op, uint64_t wr_id,
			  unsigned int flags)
{
	sqe->wr_id = wr_id;
	sqe->opcode = op->opcode;
	sqe->flags = kiwi_sqe_flags(sq, flags);
	sqe->num_sge = 0;
	sqe->rsvd0 = 0;
	sqe->inv_rkey = 0;
	sqe->remote_addr = 0;
	sqe->rkey = 0;
	sqe->inline_len = 0;
}

/* Copy SGEs; @num is checked against the queue's limits by the caller. */
static void kiwi_sqe_set_sges(struct kiwi_sqe *sqe, const struct ibv_sge *sg,
			      unsigned int num)
{
	sqe->flags &= ~KIWI_SQE_INLINE;
	sqe->inline_len = 0;
	sqe->num_sge = num;
	if (num)
		memcpy(sqe->sge, sg, num * sizeof(*sg));
}

static int kiwi_sqe_from_wr(const struct kiwi_sq *sq, struct kiwi_sqe *sqe,
			    const struct ibv_send_wr *wr)
{
	const struct kiwi_send_op *op = kiwi_send_op(wr->opcode);
	uint32_t len = 0;
	int i;

	if (!op)
		return EINVAL;
	if (!op->supported)
		return EOPNOTSUPP;
	if (wr->send_flags & ~KIWI_SEND_FLAGS || wr->num_sge < 0)
		return EINVAL;

	kiwi_sqe_init(sq, sqe, op, wr->wr_id, wr->send_flags);
	if (op->remote) {
		sqe->remote_addr = wr->wr.rdma.remote_addr;
		sqe->rkey = wr->wr.rdma.rkey;
	}
	if (wr->opcode == IBV_WR_SEND_WITH_INV)
		sqe->inv_rkey = wr->invalidate_rkey;

	/* A Read's data comes from the peer: INLINE means nothing there. */
	if (wr->send_flags & IBV_SEND_INLINE && !op->read) {
		for (i = 0; i < wr->num_sge; i++) {
			const struct ibv_sge *sg = &wr->sg_list[i];

			/* Written so that it cannot wrap. */
			if (sg->length > sq->max_inline - len)
				return EINVAL;
			memcpy(sqe->inline_data + len,
			       (const void *)(uintptr_t)sg->addr, sg->length);
			len += sg->length;
		}
		sqe->flags |= KIWI_SQE_INLINE;
		sqe->inline_len = len;
		return 0;
	}
	if ((uint32_t)wr->num_sge > (op->read ? sq->max_sge_rd : sq->max_sge))
		return EINVAL;
	kiwi_sqe_set_sges(sqe, wr->sg_list, wr->num_sge);
	return 0;
}

/*
 * After publishing: ring the doorbell if there is no SQ poller, or if the
 * poller sleeps (NEED_WAKEUP), or if the QP is in error (the kernel
 * flushes the new requests from the doorbell).  The full barrier orders
 * our store of prod before our load of flags; the poller orders its store
 * of NEED_WAKEUP before its last look at prod.
 */
static void kiwi_sq_kick(struct kiwi_qp *qp)
{
	if (!qp->sq.db_always) {
		kiwi_full_barrier();
		if (!(kiwi_ring_flags(&qp->sq.ring) &
		      (KIWI_RING_F_NEED_WAKEUP | KIWI_RING_F_ERROR)))
			return;
	}
	kiwi_sq_doorbell(qp);
}

/*
 * ibv_post_send(): all requests up to the first bad one are posted.
 * Return: 0, or a positive errno with *bad_wr at the first request not
 * posted: ENOMEM if the SQ is full, EOPNOTSUPP for an opcode user QPs
 * cannot post, EINVAL for anything else malformed.
 */
int kiwi_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		   struct ibv_send_wr **bad_wr)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	struct kiwi_sq *sq = &qp->sq;
	uint32_t n = 0;
	int ret = 0;

	/* An iWARP QP sends once connected; in ERR, posts are flushed. */
	if (kiwi_ring_qp_state(&sq->ring) < IBV_QPS_RTS) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&sq->lock);
	for (; wr; wr = wr->next) {
		if (!kiwi_ring_space(&sq->ring, n)) {
			ret = ENOMEM;
			break;
		}
		ret = kiwi_sqe_from_wr(sq, kiwi_ring_slot(&sq->ring,
							  sq->ring.head + n),
				       wr);
		if (ret)
			break;
		n++;
	}
	if (n)
		kiwi_ring_publish(&sq->ring, n);
	pthread_spin_unlock(&sq->lock);

	if (ret)
		*bad_wr = wr;
	if (n)
		kiwi_sq_kick(qp);
	return ret;
}

/*
 * The ibv_qp_ex builder.  wr_start takes the SQ lock; each opcode call
 * fills the next unpublished slot, the setters fill its data, and the
 * first error is remembered.  wr_complete publishes the whole batch, or
 * nothing and returns the error; wr_abort drops it.
 */
static void kx_reset(struct kiwi_sq *sq)
{
	sq->ex_pending = 0;
	sq->ex_cur = NULL;
	sq->ex_err = 0;
}

static void kx_fail(struct kiwi_sq *sq, int err)
{
	if (!sq->ex_err)
		sq->ex_err = err;
	sq->ex_cur = NULL;
}

static struct kiwi_sqe *kx_new(struct ibv_qp_ex *qpx, unsigned int opcode)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;
	const struct kiwi_send_op *op = kiwi_send_op(opcode);
	struct kiwi_sqe *sqe;

	sq->ex_cur = NULL;
	if (sq->ex_err)
		return NULL;
	if (!op->supported) {
		kx_fail(sq, EOPNOTSUPP);
		return NULL;
	}
	if (qpx->wr_flags & ~KIWI_SEND_FLAGS) {
		kx_fail(sq, EINVAL);
		return NULL;
	}
	if (!kiwi_ring_space(&sq->ring, sq->ex_pending)) {
		kx_fail(sq, ENOMEM);
		return NULL;
	}
	sqe = kiwi_ring_slot(&sq->ring, sq->ring.head + sq->ex_pending);
	sq->ex_pending++;
	kiwi_sqe_init(sq, sqe, op, qpx->wr_id, qpx->wr_flags);
	sq->ex_cur = sqe;
	sq->ex_cur_read = op->read;
	return sqe;
}

static void kx_start(struct ibv_qp_ex *qpx)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;

	pthread_spin_lock(&sq->lock);
	kx_reset(sq);
}

static int kx_complete(struct ibv_qp_ex *qpx)
{
	struct kiwi_qp *qp = to_kiwi_qp_ex(qpx);
	struct kiwi_sq *sq = &qp->sq;
	uint32_t n = sq->ex_pending;
	int ret = sq->ex_err;

	if (!ret && n && kiwi_ring_qp_state(&sq->ring) < IBV_QPS_RTS)
		ret = EINVAL;
	if (!ret && n)
		kiwi_ring_publish(&sq->ring, n);
	kx_reset(sq);
	pthread_spin_unlock(&sq->lock);
	if (!ret && n)
		kiwi_sq_kick(qp);
	return ret;
}

static void kx_abort(struct ibv_qp_ex *qpx)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;

	kx_reset(sq);
	pthread_spin_unlock(&sq->lock);
}

static void kx_send(struct ibv_qp_ex *qpx)
{
	kx_new(qpx, IBV_WR_SEND);
}

static void kx_send_inv(struct ibv_qp_ex *qpx, uint32_t invalidate_rkey)
{
	struct kiwi_sqe *sqe = kx_new(qpx, IBV_WR_SEND_WITH_INV);

	if (sqe)
		sqe->inv_rkey = invalidate_rkey;
}

static void kx_rdma_write(struct ibv_qp_ex *qpx, uint32_t rkey,
			  uint64_t remote_addr)
{
	struct kiwi_sqe *sqe = kx_new(qpx, IBV_WR_RDMA_WRITE);

	if (sqe) {
		sqe->rkey = rkey;
		sqe->remote_addr = remote_addr;
	}
}

static void kx_rdma_read(struct ibv_qp_ex *qpx, uint32_t rkey,
			 uint64_t remote_addr)
{
	struct kiwi_sqe *sqe = kx_new(qpx, IBV_WR_RDMA_READ);

	if (sqe) {
		sqe->rkey = rkey;
		sqe->remote_addr = remote_addr;
	}
}

/* The setters fill the request the last opcode call started. */
static struct kiwi_sqe *kx_cur(struct kiwi_sq *sq)
{
	if (!sq->ex_cur)
		kx_fail(sq, EINVAL);	/* no request, or it already failed */
	return sq->ex_cur;
}

static void kx_set_sge(struct ibv_qp_ex *qpx, uint32_t lkey, uint64_t addr,
		       uint32_t length)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;
	struct kiwi_sqe *sqe = kx_cur(sq);
	struct ibv_sge sg = { .addr = addr, .length = length, .lkey = lkey };

	if (sqe)
		kiwi_sqe_set_sges(sqe, &sg, 1);
}

static void kx_set_sge_list(struct ibv_qp_ex *qpx, size_t num,
			    const struct ibv_sge *sg_list)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;
	struct kiwi_sqe *sqe = kx_cur(sq);

	if (!sqe)
		return;
	if (num > (sq->ex_cur_read ? sq->max_sge_rd : sq->max_sge)) {
		kx_fail(sq, EINVAL);
		return;
	}
	kiwi_sqe_set_sges(sqe, sg_list, num);
}

static void kx_set_inline_data_list(struct ibv_qp_ex *qpx, size_t num,
				    const struct ibv_data_buf *buf)
{
	struct kiwi_sq *sq = &to_kiwi_qp_ex(qpx)->sq;
	struct kiwi_sqe *sqe = kx_cur(sq);
	size_t i, len = 0;

	if (!sqe)
		return;
	if (sq->ex_cur_read) {
		kx_fail(sq, EINVAL);
		return;
	}
	for (i = 0; i < num; i++) {
		/* Written so that it cannot wrap. */
		if (buf[i].length > sq->max_inline - len) {
			kx_fail(sq, EINVAL);
			return;
		}
		memcpy(sqe->inline_data + len, buf[i].addr, buf[i].length);
		len += buf[i].length;
	}
	sqe->num_sge = 0;
	sqe->inline_len = len;
	sqe->flags |= KIWI_SQE_INLINE;
}

static void kx_set_inline_data(struct ibv_qp_ex *qpx, void *addr,
			       size_t length)
{
	struct ibv_data_buf buf = { .addr = addr, .length = length };

	kx_set_inline_data_list(qpx, 1, &buf);
}

/*
 * Operations kiwi does not support.  Creating a QP that asks for them
 * fails, but a caller may still reach the function pointers: each one
 * fails the batch with EOPNOTSUPP instead of crashing.
 */
static void kx_atomic_cmp_swp(struct ibv_qp_ex *qpx, uint32_t rkey,
			      uint64_t remote_addr, uint64_t compare,
			      uint64_t swap)
{
	kx_new(qpx, IBV_WR_ATOMIC_CMP_AND_SWP);
}

static void kx_atomic_fetch_add(struct ibv_qp_ex *qpx, uint32_t rkey,
				uint64_t remote_addr, uint64_t add)
{
	kx_new(qpx, IBV_WR_ATOMIC_FETCH_AND_ADD);
}

static void kx_bind_mw(struct ibv_qp_ex *qpx, struct ibv_mw *mw,
		       uint32_t rkey, const struct ibv_mw_bind_info *info)
{
	kx_new(qpx, IBV_WR_BIND_MW);
}

static void kx_local_inv(struct ibv_qp_ex *qpx, uint32_t invalidate_rkey)
{
	kx_new(qpx, IBV_WR_LOCAL_INV);
}

static void kx_rdma_write_imm(struct ibv_qp_ex *qpx, uint32_t rkey,
			      uint64_t remote_addr, __be32 imm_data)
{
	kx_new(qpx, IBV_WR_RDMA_WRITE_WITH_IMM);
}

static void kx_send_imm(struct ibv_qp_ex *qpx, __be32 imm_data)
{
	kx_new(qpx, IBV_WR_SEND_WITH_IMM);
}

static void kx_send_tso(struct ibv_qp_ex *qpx, void *hdr, uint16_t hdr_sz,
			uint16_t mss)
{
	kx_new(qpx, IBV_WR_TSO);
}

static void kx_set_ud_addr(struct ibv_qp_ex *qpx, struct ibv_ah *ah,
			   uint32_t remote_qpn, uint32_t remote_qkey)
{
	kx_fail(&to_kiwi_qp_ex(qpx)->sq, EOPNOTSUPP);
}

static void kx_set_xrc_srqn(struct ibv_qp_ex *qpx, uint32_t remote_srqn)
{
	kx_fail(&to_kiwi_qp_ex(qpx)->sq, EOPNOTSUPP);
}

/* Install the builder; the QP was created with send_ops_flags. */
void kiwi_qp_ex_init(struct kiwi_qp *qp)
{
	struct ibv_qp_ex *qpx = &qp->vqp.qp_ex;

	qpx->wr_abort = kx_abort;
	qpx->wr_atomic_cmp_swp = kx_atomic_cmp_swp;
	qpx->wr_atomic_fetch_add = kx_atomic_fetch_add;
	qpx->wr_bind_mw = kx_bind_mw;
	qpx->wr_complete = kx_complete;
	qpx->wr_local_inv = kx_local_inv;
	qpx->wr_rdma_read = kx_rdma_read;
	qpx->wr_rdma_write = kx_rdma_write;
	qpx->wr_rdma_write_imm = kx_rdma_write_imm;
	qpx->wr_send = kx_send;
	qpx->wr_send_imm = kx_send_imm;
	qpx->wr_send_inv = kx_send_inv;
	qpx->wr_send_tso = kx_send_tso;
	qpx->wr_set_inline_data = kx_set_inline_data;
	qpx->wr_set_inline_data_list = kx_set_inline_data_list;
	qpx->wr_set_sge = kx_set_sge;
	qpx->wr_set_sge_list = kx_set_sge_list;
	qpx->wr_set_ud_addr = kx_set_ud_addr;
	qpx->wr_set_xrc_srqn = kx_set_xrc_srqn;
	qpx->wr_start = kx_start;
	qp->vqp.comp_mask |= VERBS_QP_EX;
}
