// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: completion queues.
 *
 * A CQ is a ring the kernel produces into.  Kernel consumers poll it
 * through poll_cq; processes map it and poll it themselves.  Arming for
 * the next (or next solicited) completion is a word in the ring header,
 * written by the consumer and cleared by the kernel when it raises the
 * completion event; see the uapi header for the barrier pairing.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/slab.h>
#include <rdma/uverbs_ioctl.h>

#include "cq.h"
#include "kiwi.h"
#include "kiwi_param.h"

static_assert(sizeof(struct kiwi_cqe) == 32);

static void kiwi_cq_event(struct kiwi_cq *cq, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = cq->ibcq.device,
		.event = type,
		.element.cq = &cq->ibcq,
	};

	if (cq->ibcq.event_handler)
		cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
}

/**
 * kiwi_cq_push() - add a completion and raise the event it asks for
 * @cq: the CQ
 * @cqe: the completion
 * @qp: the QP it belongs to (kernel consumers get it in ib_wc)
 *
 * Context: any; takes @cq->lock with interrupts disabled.
 * Return: 0, or -ENOSPC if the CQ was full: the completion is lost, the
 * CQ is marked overflowed and the CQ error event is raised once.  The
 * caller must take its QP to the error state.
 */
int kiwi_cq_push(struct kiwi_cq *cq, const struct kiwi_cqe *cqe,
		 struct ib_qp *qp)
{
	struct kiwi_ring *ring = &cq->ring;
	bool notify = false, overflow = false;
	unsigned long flags;
	u32 arm;

	spin_lock_irqsave(&cq->lock, flags);
	if (!kiwi_ring_space(ring)) {
		if (!cq->overflow) {
			cq->overflow = true;
			overflow = true;
			kiwi_ring_flags_update(ring, KIWI_RING_F_OVERFLOW, 0);
		}
		spin_unlock_irqrestore(&cq->lock, flags);
		if (overflow)
			kiwi_cq_event(cq, IB_EVENT_CQ_ERR);
		return -ENOSPC;
	}
	if (cq->user) {
		memcpy(kiwi_ring_entry(ring, ring->prod), cqe, sizeof(*cqe));
	} else {
		struct kiwi_kcqe *k = kiwi_ring_entry(ring, ring->prod);

		k->cqe = *cqe;
		k->qp = qp;
	}
	ring->prod++;
	kiwi_ring_publish_prod(ring);

	/* Pairs with the consumer's barrier after it stores arm. */
	smp_mb();
	arm = READ_ONCE(ring->hdr->arm);
	if (arm == KIWI_CQ_ARM_NEXT ||
	    (arm == KIWI_CQ_ARM_SOLICITED &&
	     (cqe->flags & KIWI_CQE_F_SOLICITED || cqe->status)))
		/* The consumer may re-arm concurrently; one event per arm. */
		notify = cmpxchg(&ring->hdr->arm, arm, KIWI_CQ_ARM_NONE) == arm;
	spin_unlock_irqrestore(&cq->lock, flags);

	if (notify && cq->ibcq.comp_handler)
		cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
	return 0;
}

/* Context: process. */
static int __kiwi_create_cq(struct ib_cq *ibcq,
			    const struct ib_cq_init_attr *attr,
			    struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibcq->device);
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	struct kiwi_create_cq_resp resp = {};
	struct ib_ucontext *uctx = NULL;
	int ret;

	if (attr->flags)
		return -EOPNOTSUPP;
	if (attr->cqe < 1 || attr->cqe > KIWI_MAX_CQE)
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
	if (!kiwi_obj_get(&kdev->num_cq, KIWI_MAX_CQ))
		return -ENOMEM;

	spin_lock_init(&cq->lock);
	cq->user = !!udata;
	ret = kiwi_ring_alloc(&cq->ring, attr->cqe,
			      udata ? sizeof(struct kiwi_cqe) :
				      sizeof(struct kiwi_kcqe), uctx);
	if (ret)
		goto err_count;
	ibcq->cqe = kiwi_ring_size(&cq->ring);

	if (udata) {
		resp.mmap_offset = kiwi_ring_mmap_offset(&cq->ring);
		resp.mmap_size = cq->ring.bytes;
		resp.num_entries = kiwi_ring_size(&cq->ring);
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err_ring;
	}
	return 0;

err_ring:
	kiwi_ring_free(&cq->ring);
err_count:
	atomic_dec(&kdev->num_cq);
	return ret;
}

#ifdef KIWI_HAVE_CREATE_CQ_ATTRS
int kiwi_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		   struct uverbs_attr_bundle *attrs)
{
	return __kiwi_create_cq(ibcq, attr, attrs ? &attrs->driver_udata : NULL);
}
#else
int kiwi_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		   struct ib_udata *udata)
{
	return __kiwi_create_cq(ibcq, attr, udata);
}
#endif

/*
 * Context: process.  ib_core refuses to destroy a CQ that QPs or SRQs
 * still use, so nothing produces into it any more.
 */
int kiwi_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);

	kiwi_ring_free(&cq->ring);
	atomic_dec(&to_kiwi_dev(ibcq->device)->num_cq);
	return 0;
}

static const enum ib_wc_opcode kiwi_wc_opcode[] = {
	[KIWI_CQE_SEND] = IB_WC_SEND,
	[KIWI_CQE_WRITE] = IB_WC_RDMA_WRITE,
	[KIWI_CQE_READ] = IB_WC_RDMA_READ,
	[KIWI_CQE_LOCAL_INV] = IB_WC_LOCAL_INV,
	[KIWI_CQE_REG_MR] = IB_WC_REG_MR,
	[KIWI_CQE_RECV] = IB_WC_RECV,
};

static void kiwi_kcqe_to_wc(const struct kiwi_kcqe *k, struct ib_wc *wc)
{
	const struct kiwi_cqe *c = &k->cqe;

	memset(wc, 0, sizeof(*wc));
	wc->wr_id = c->wr_id;
	wc->status = c->status;
	wc->opcode = kiwi_wc_opcode[c->opcode];
	wc->vendor_err = c->vendor_err;
	wc->byte_len = c->byte_len;
	wc->qp = k->qp;
	if (c->flags & KIWI_CQE_F_WITH_INV) {
		wc->wc_flags |= IB_WC_WITH_INVALIDATE;
		wc->ex.invalidate_rkey = c->inv_rkey;
	}
}

/*
 * Context: any.  Kernel consumers only: a process polls its mapped ring
 * itself, and the kernel must not consume from under it.
 */
int kiwi_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	struct kiwi_ring *ring = &cq->ring;
	unsigned long flags;
	int n = 0;

	if (cq->user)
		return -EINVAL;
	spin_lock_irqsave(&cq->lock, flags);
	while (n < num && ring->cons != ring->prod) {
		kiwi_kcqe_to_wc(kiwi_ring_entry(ring, ring->cons), &wc[n++]);
		ring->cons++;
	}
	kiwi_ring_publish_cons(ring);
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

/* Context: any. */
int kiwi_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	struct kiwi_ring_hdr *hdr = cq->ring.hdr;
	u32 want = (flags & IB_CQ_SOLICITED_MASK) == IB_CQ_SOLICITED ?
		   KIWI_CQ_ARM_SOLICITED : KIWI_CQ_ARM_NEXT;
	u32 old = READ_ONCE(hdr->arm);

	/* Never lower an armed NEXT to SOLICITED. */
	while (old != KIWI_CQ_ARM_NEXT && old != want) {
		u32 seen = cmpxchg(&hdr->arm, old, want);

		if (seen == old)
			break;
		old = seen;
	}
	/* Pairs with the barrier in kiwi_cq_push(). */
	smp_mb();
	if (flags & IB_CQ_REPORT_MISSED_EVENTS)
		/* Acquire: pairs with kiwi_ring_publish_prod(). */
		return smp_load_acquire(&hdr->prod) != READ_ONCE(hdr->cons);
	return 0;
}

/*
 * Context: process.  Kernel CQs only: a user CQ's ring is mapped by the
 * process, which would have to remap it.
 */
int kiwi_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct kiwi_cq *cq = to_kiwi_cq(ibcq);
	struct kiwi_ring new, old;
	unsigned long flags;
	u32 used;
	int ret;

	if (cq->user || udata)
		return -EOPNOTSUPP;
	if (cqe < 1 || cqe > KIWI_MAX_CQE)
		return -EINVAL;
	ret = kiwi_ring_alloc(&new, cqe, cq->ring.esize, NULL);
	if (ret)
		return ret;

	spin_lock_irqsave(&cq->lock, flags);
	used = cq->ring.prod - cq->ring.cons;
	if (used > kiwi_ring_size(&new)) {
		spin_unlock_irqrestore(&cq->lock, flags);
		kiwi_ring_free(&new);
		return -EINVAL;
	}
	for (; new.prod < used; new.prod++)
		memcpy(kiwi_ring_entry(&new, new.prod),
		       kiwi_ring_entry(&cq->ring, cq->ring.cons + new.prod),
		       new.esize);
	new.hdr->prod = new.prod;
	new.hdr->arm = cq->ring.hdr->arm;
	old = cq->ring;
	cq->ring = new;
	ibcq->cqe = kiwi_ring_size(&new);
	spin_unlock_irqrestore(&cq->lock, flags);

	kiwi_ring_free(&old);
	return 0;
}
