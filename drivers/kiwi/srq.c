// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: shared receive queues, and receive WR conversion shared with QPs.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <rdma/uverbs_ioctl.h>

#include "kiwi.h"
#include "kiwi_param.h"
#include "qp.h"

/**
 * kiwi_rqe_from_wr() - encode a kernel consumer's receive WR
 * @rqe: the ring entry
 * @wr: the WR
 * @max_sge: SGE limit of the queue
 *
 * Context: any.
 * Return: 0 or -EINVAL.
 */
int kiwi_rqe_from_wr(struct kiwi_rqe *rqe, const struct ib_recv_wr *wr,
		     u32 max_sge)
{
	u32 i;

	if (wr->num_sge > max_sge)
		return -EINVAL;
	memset(rqe, 0, sizeof(*rqe));
	rqe->wr_id = wr->wr_id;
	rqe->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		rqe->sge[i].addr = wr->sg_list[i].addr;
		rqe->sge[i].length = wr->sg_list[i].length;
		rqe->sge[i].lkey = wr->sg_list[i].lkey;
	}
	return 0;
}

static void kiwi_srq_event(struct kiwi_srq *srq, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = srq->ibsrq.device,
		.event = type,
		.element.srq = &srq->ibsrq,
	};

	if (srq->ibsrq.event_handler)
		srq->ibsrq.event_handler(&ev, srq->ibsrq.srq_context);
}

/**
 * kiwi_srq_get_rqe() - take the next receive WR of an SRQ
 * @srq: the SRQ
 * @rqe: a copy of the entry
 *
 * Raises the SRQ limit event, once per arming, when fewer than the armed
 * limit of WRs remain.
 *
 * Context: any.
 * Return: 0, -ENOENT if empty, -EIO for a corrupt ring index.
 */
int kiwi_srq_get_rqe(struct kiwi_srq *srq, struct kiwi_rqe *rqe)
{
	bool limit = false;
	int n;

	spin_lock_bh(&srq->lock);
	n = kiwi_ring_avail(&srq->ring);
	if (n > 0) {
		memcpy(rqe, kiwi_ring_entry(&srq->ring, srq->ring.cons),
		       sizeof(*rqe));
		srq->ring.cons++;
		kiwi_ring_publish_cons(&srq->ring);
		if (srq->limit && n - 1 < srq->limit) {
			srq->limit = 0;
			limit = true;
		}
	}
	spin_unlock_bh(&srq->lock);
	if (limit)
		kiwi_srq_event(srq, IB_EVENT_SRQ_LIMIT_REACHED);
	return n < 0 ? -EIO : n ? 0 : -ENOENT;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_srq_get_rqe);

/* Context: process. */
int kiwi_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *attr,
		    struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibsrq->device);
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);
	struct kiwi_create_srq_resp resp = {};
	struct ib_ucontext *uctx = NULL;
	int ret;

	if (attr->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (!attr->attr.max_wr || attr->attr.max_wr > KIWI_MAX_SRQ_WR ||
	    attr->attr.max_sge > KIWI_MAX_RECV_SGE ||
	    attr->attr.srq_limit > attr->attr.max_wr)
		return -EINVAL;
	if (udata) {
		if (udata->inlen &&
		    !ib_is_udata_cleared(udata, 0, udata->inlen))
			return -EINVAL;
		if (udata->outlen < sizeof(resp))
			return -EINVAL;
		uctx = &rdma_udata_to_drv_context(udata, struct kiwi_ucontext,
						  ibuctx)->ibuctx;
	}
	if (!kiwi_obj_get(&kdev->num_srq, KIWI_MAX_SRQ))
		return -ENOMEM;

	spin_lock_init(&srq->lock);
	srq->user = !!udata;
	srq->max_sge = KIWI_MAX_RECV_SGE;
	srq->limit = attr->attr.srq_limit;
	ret = kiwi_ring_alloc(&srq->ring, attr->attr.max_wr,
			      sizeof(struct kiwi_rqe), uctx);
	if (ret)
		goto err_count;
	attr->attr.max_wr = kiwi_ring_size(&srq->ring);
	attr->attr.max_sge = srq->max_sge;

	if (udata) {
		resp.mmap_offset = kiwi_ring_mmap_offset(&srq->ring);
		resp.mmap_size = srq->ring.bytes;
		resp.num_entries = kiwi_ring_size(&srq->ring);
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err_ring;
	}
	return 0;

err_ring:
	kiwi_ring_free(&srq->ring);
err_count:
	atomic_dec(&kdev->num_srq);
	return ret;
}

/* Context: process. */
int kiwi_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		    enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EINVAL;
	/* The ring cannot grow under a process that maps it. */
	if (mask & IB_SRQ_MAX_WR)
		return -EOPNOTSUPP;
	if (mask & IB_SRQ_LIMIT) {
		if (attr->srq_limit > kiwi_ring_size(&srq->ring))
			return -EINVAL;
		spin_lock_bh(&srq->lock);
		srq->limit = attr->srq_limit;
		spin_unlock_bh(&srq->lock);
	}
	return 0;
}

/* Context: process. */
int kiwi_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);

	attr->max_wr = kiwi_ring_size(&srq->ring);
	attr->max_sge = srq->max_sge;
	spin_lock_bh(&srq->lock);
	attr->srq_limit = srq->limit;
	spin_unlock_bh(&srq->lock);
	return 0;
}

/* Context: process.  ib_core refuses while QPs still use the SRQ. */
int kiwi_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);

	kiwi_ring_free(&srq->ring);
	atomic_dec(&to_kiwi_dev(ibsrq->device)->num_srq);
	return 0;
}

/* Context: any.  Kernel consumers only. */
int kiwi_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		       const struct ib_recv_wr **bad_wr)
{
	struct kiwi_srq *srq = to_kiwi_srq(ibsrq);
	struct kiwi_ring *ring = &srq->ring;
	int ret = 0;

	if (srq->user) {
		*bad_wr = wr;
		return -EINVAL;
	}
	spin_lock_bh(&srq->lock);
	for (; wr; wr = wr->next) {
		if (ring->hdr->prod - ring->cons >= kiwi_ring_size(ring)) {
			ret = -ENOMEM;
			break;
		}
		ret = kiwi_rqe_from_wr(kiwi_ring_entry(ring, ring->hdr->prod),
				       wr, srq->max_sge);
		if (ret)
			break;
		/* Publish the entry: pairs with kiwi_ring_avail(). */
		smp_store_release(&ring->hdr->prod, ring->hdr->prod + 1);
	}
	spin_unlock_bh(&srq->lock);
	if (ret)
		*bad_wr = wr;
	return ret;
}
