// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: completion queues.  ibv_poll_cq() and the ibv_cq_ex interface
 * (ibv_start_poll, ibv_next_poll, ibv_end_poll, ibv_wc_read_*) read
 * struct kiwi_cqe slots from the mapped CQ; ibv_req_notify_cq() arms the
 * CQ through its ring header.  None of them makes a system call; the
 * completion event itself arrives through the kernel's completion
 * channel, which libibverbs reads.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <errno.h>

#include "kiwi.h"

/* Indexed by enum kiwi_cqe_opcode. */
static const struct {
	const char *name;
	enum ibv_wc_opcode opcode;
} kiwi_wc_ops[] = {
	[KIWI_CQE_SEND] = { .name = "SEND", .opcode = IBV_WC_SEND },
	[KIWI_CQE_WRITE] = { .name = "WRITE", .opcode = IBV_WC_RDMA_WRITE },
	[KIWI_CQE_READ] = { .name = "READ", .opcode = IBV_WC_RDMA_READ },
	[KIWI_CQE_LOCAL_INV] = {
		.name = "LOCAL_INV", .opcode = IBV_WC_LOCAL_INV,
	},
	[KIWI_CQE_RECV] = { .name = "RECV", .opcode = IBV_WC_RECV },
	/* KIWI_CQE_REG_MR: kernel consumers only, no ibv_wc_opcode. */
};

/*
 * The CQ is the kernel's to write, but it is our process's memory: a
 * slot the kernel cannot have written (unknown opcode or status) is
 * reported as IBV_WC_GENERAL_ERR rather than trusted.
 */
static bool kiwi_cqe_sane(const struct kiwi_cqe *c)
{
	return c->opcode < KIWI_ARRAY_SIZE(kiwi_wc_ops) &&
	       kiwi_wc_ops[c->opcode].name &&
	       c->status <= KIWI_WC_GENERAL_ERR;
}

static enum ibv_wc_status kiwi_cqe_status(const struct kiwi_cqe *c)
{
	return kiwi_cqe_sane(c) ? (enum ibv_wc_status)c->status :
				  IBV_WC_GENERAL_ERR;
}

static enum ibv_wc_opcode kiwi_cqe_opcode(const struct kiwi_cqe *c)
{
	return kiwi_cqe_sane(c) ? kiwi_wc_ops[c->opcode].opcode : IBV_WC_SEND;
}

static unsigned int kiwi_cqe_wc_flags(const struct kiwi_cqe *c)
{
	return c->flags & KIWI_CQE_F_WITH_INV ? IBV_WC_WITH_INV : 0;
}

static void kiwi_cqe_to_wc(const struct kiwi_cqe *c, struct ibv_wc *wc)
{
	wc->wr_id = c->wr_id;
	wc->status = kiwi_cqe_status(c);
	wc->opcode = kiwi_cqe_opcode(c);
	wc->vendor_err = c->vendor_err;
	wc->byte_len = c->byte_len;
	wc->wc_flags = kiwi_cqe_wc_flags(c);
	wc->invalidated_rkey = wc->wc_flags ? c->inv_rkey : 0;
	wc->qp_num = c->qp_num;
	wc->src_qp = 0;
	wc->pkey_index = 0;
	wc->slid = 0;
	wc->sl = 0;
	wc->dlid_path_bits = 0;
}

static void kiwi_cq_lock(struct kiwi_cq *cq)
{
	if (cq->locked)
		pthread_spin_lock(&cq->lock);
}

static void kiwi_cq_unlock(struct kiwi_cq *cq)
{
	if (cq->locked)
		pthread_spin_unlock(&cq->lock);
}

/* Copy a slot out of shared memory before looking at it. */
static void kiwi_cq_read(const struct kiwi_cq *cq, uint32_t idx,
			 struct kiwi_cqe *c)
{
	*c = *(const struct kiwi_cqe *)kiwi_ring_slot(&cq->ring, idx);
}

/* ibv_poll_cq(): Return: completions written to @wc (0 if none). */
int kiwi_poll_cq(struct ibv_cq *ibcq, int num, struct ibv_wc *wc)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	struct kiwi_cqe c;
	uint32_t n, i;

	if (num <= 0 || !kiwi_ring_maybe_avail(&cq->ring))
		return 0;
	kiwi_cq_lock(cq);
	n = kiwi_ring_avail(&cq->ring);
	if (n > (uint32_t)num)
		n = num;
	for (i = 0; i < n; i++) {
		kiwi_cq_read(cq, cq->ring.head + i, &c);
		kiwi_cqe_to_wc(&c, &wc[i]);
	}
	if (n)
		kiwi_ring_consume(&cq->ring, n);
	kiwi_cq_unlock(cq);
	return n;
}

/* ibv_req_notify_cq(): Return: 0. */
int kiwi_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);

	kiwi_ring_arm(&cq->ring, solicited_only ? KIWI_CQ_ARM_SOLICITED :
						  KIWI_CQ_ARM_NEXT);
	return 0;
}

/*
 * ibv_cq_ex polling.  start_poll takes the CQ lock and reads the first
 * completion (a CQ that looks empty answers ENOENT without the lock, as
 * poll_cq answers 0); next_poll reads the next; end_poll hands all of
 * them back with one release store and drops the lock.  When start_poll
 * fails the lock is not held and end_poll must not be called.
 */
static int cqx_load(struct kiwi_cq *cq)
{
	struct ibv_cq_ex *cqx = &cq->vcq.cq_ex;

	if (cq->ex_taken == cq->ex_avail) {
		cq->ex_avail = kiwi_ring_avail(&cq->ring);
		if (cq->ex_taken >= cq->ex_avail)
			return ENOENT;
	}
	kiwi_cq_read(cq, cq->ring.head + cq->ex_taken, &cq->cur);
	cq->ex_taken++;
	cqx->wr_id = cq->cur.wr_id;
	cqx->status = kiwi_cqe_status(&cq->cur);
	return 0;
}

static int cqx_start_poll(struct ibv_cq_ex *cqx, struct ibv_poll_cq_attr *attr)
{
	struct kiwi_cq *cq = to_kiwi_cq_ex(cqx);
	int ret;

	if (attr->comp_mask)
		return EOPNOTSUPP;
	if (!kiwi_ring_maybe_avail(&cq->ring))
		return ENOENT;
	kiwi_cq_lock(cq);
	cq->ex_taken = 0;
	cq->ex_avail = 0;
	ret = cqx_load(cq);
	if (ret)
		kiwi_cq_unlock(cq);
	return ret;
}

static int cqx_next_poll(struct ibv_cq_ex *cqx)
{
	return cqx_load(to_kiwi_cq_ex(cqx));
}

static void cqx_end_poll(struct ibv_cq_ex *cqx)
{
	struct kiwi_cq *cq = to_kiwi_cq_ex(cqx);

	if (cq->ex_taken)
		kiwi_ring_consume(&cq->ring, cq->ex_taken);
	cq->ex_taken = 0;
	cq->ex_avail = 0;
	kiwi_cq_unlock(cq);
}

static enum ibv_wc_opcode cqx_read_opcode(struct ibv_cq_ex *cqx)
{
	return kiwi_cqe_opcode(&to_kiwi_cq_ex(cqx)->cur);
}

static uint32_t cqx_read_vendor_err(struct ibv_cq_ex *cqx)
{
	return to_kiwi_cq_ex(cqx)->cur.vendor_err;
}

static uint32_t cqx_read_byte_len(struct ibv_cq_ex *cqx)
{
	return to_kiwi_cq_ex(cqx)->cur.byte_len;
}

/*
 * No immediate data in kiwi; with IBV_WC_WITH_INV this is the invalidated
 * rkey, in host order (ibv_wc_read_invalidated_rkey()).
 */
static __be32 cqx_read_imm_data(struct ibv_cq_ex *cqx)
{
	const struct kiwi_cqe *c = &to_kiwi_cq_ex(cqx)->cur;

	return (__be32)(kiwi_cqe_wc_flags(c) ? c->inv_rkey : 0);
}

static uint32_t cqx_read_qp_num(struct ibv_cq_ex *cqx)
{
	return to_kiwi_cq_ex(cqx)->cur.qp_num;
}

/* The rest have no meaning on an RC QP over iWARP. */
static uint32_t cqx_read_src_qp(struct ibv_cq_ex *cqx)
{
	return 0;
}

static unsigned int cqx_read_wc_flags(struct ibv_cq_ex *cqx)
{
	return kiwi_cqe_wc_flags(&to_kiwi_cq_ex(cqx)->cur);
}

static uint32_t cqx_read_slid(struct ibv_cq_ex *cqx)
{
	return 0;
}

static uint8_t cqx_read_sl(struct ibv_cq_ex *cqx)
{
	return 0;
}

static uint8_t cqx_read_dlid_path_bits(struct ibv_cq_ex *cqx)
{
	return 0;
}

/*
 * Install the ibv_cq_ex interface.  Every reader is installed whatever
 * wc_flags asked for: the unsupported flags were refused at creation, and
 * a reader the caller did not ask for costs nothing.
 */
void kiwi_cq_ex_init(struct kiwi_cq *cq)
{
	struct ibv_cq_ex *cqx = &cq->vcq.cq_ex;

	cqx->end_poll = cqx_end_poll;
	cqx->next_poll = cqx_next_poll;
	cqx->read_byte_len = cqx_read_byte_len;
	cqx->read_dlid_path_bits = cqx_read_dlid_path_bits;
	cqx->read_imm_data = cqx_read_imm_data;
	cqx->read_opcode = cqx_read_opcode;
	cqx->read_qp_num = cqx_read_qp_num;
	cqx->read_sl = cqx_read_sl;
	cqx->read_slid = cqx_read_slid;
	cqx->read_src_qp = cqx_read_src_qp;
	cqx->read_vendor_err = cqx_read_vendor_err;
	cqx->read_wc_flags = cqx_read_wc_flags;
	cqx->start_poll = cqx_start_poll;
}
