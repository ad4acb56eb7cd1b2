// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: receive queues.  ibv_post_recv() and ibv_post_srq_recv() write
 * struct kiwi_rqe slots into the mapped RQ or SRQ and publish them with
 * one release store.  The kernel reads a receive queue when a message
 * arrives, so posting needs no doorbell; the exception is a QP in error,
 * whose new receives the kernel flushes only when told (see
 * kiwi_post_recv()).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <errno.h>
#include <string.h>

#include "kiwi.h"

/*
 * Post a chain into @rq.  Return: 0 or a positive errno, *bad_wr at the
 * first request not posted, and in *posted how many were.
 */
static int kiwi_rq_post(struct kiwi_rq *rq, struct ibv_recv_wr *wr,
			struct ibv_recv_wr **bad_wr, uint32_t *posted)
{
	uint32_t n = 0;
	int ret = 0;

	pthread_spin_lock(&rq->lock);
	for (; wr; wr = wr->next) {
		struct kiwi_rqe *rqe;

		if (wr->num_sge < 0 || (uint32_t)wr->num_sge > rq->max_sge) {
			ret = EINVAL;
			break;
		}
		if (!kiwi_ring_space(&rq->ring, n)) {
			ret = ENOMEM;
			break;
		}
		rqe = kiwi_ring_slot(&rq->ring, rq->ring.head + n);
		rqe->wr_id = wr->wr_id;
		rqe->num_sge = wr->num_sge;
		memset(rqe->rsvd0, 0, sizeof(rqe->rsvd0));
		if (wr->num_sge)
			memcpy(rqe->sge, wr->sg_list,
			       wr->num_sge * sizeof(*wr->sg_list));
		n++;
	}
	if (n)
		kiwi_ring_publish(&rq->ring, n);
	pthread_spin_unlock(&rq->lock);

	if (ret)
		*bad_wr = wr;
	*posted = n;
	return ret;
}

/*
 * ibv_post_recv().  Return: 0, or EINVAL (the QP uses an SRQ, or too many
 * SGEs) or ENOMEM (the RQ is full) with *bad_wr at the first request not
 * posted.
 *
 * A QP in error flushes what it holds, but receives posted afterwards
 * would wait for a message that never comes; ib_drain_qp() and every
 * rdma_cm application that reposts after a disconnect rely on getting
 * them back as WR_FLUSH_ERR.  So, after publishing, a full barrier and a
 * look at the QP's ERROR flag; if it is set, the kernel is asked to flush
 * (post_recv with no work requests).  The kernel sets ERROR before it
 * flushes, so either it sees our entries or we see its flag.
 */
int kiwi_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		   struct ibv_recv_wr **bad_wr)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	uint32_t posted;
	int ret;

	if (qp->has_srq || kiwi_ring_qp_state(&qp->rq.ring) == IBV_QPS_RESET) {
		*bad_wr = wr;
		return EINVAL;
	}
	ret = kiwi_rq_post(&qp->rq, wr, bad_wr, &posted);
	if (posted) {
		kiwi_full_barrier();
		if ((kiwi_ring_flags(&qp->rq.ring) |
		     kiwi_ring_flags(&qp->sq.ring)) & KIWI_RING_F_ERROR)
			kiwi_rq_flush_kick(qp);
	}
	return ret;
}

/* ibv_post_srq_recv(): as kiwi_post_recv(), for the SRQ's ring. */
int kiwi_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
		       struct ibv_recv_wr **bad_wr)
{
	uint32_t posted;

	return kiwi_rq_post(&to_kiwi_srq(ibsrq)->rq, wr, bad_wr, &posted);
}
