// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: zero-copy transmit.
 *
 * A batch of FPDUs whose payload is large enough (tx_zcopy_min) goes to
 * TCP with MSG_ZEROCOPY and a notification of our own (msghdr.msg_ubuf):
 * the skbs then point at the registered pages instead of copies of them.
 * The Sends and Writes the batch finishes may complete only when no skb
 * refers to their pages any more, which is when the notification's last
 * reference goes: TCP has the data acknowledged and every clone is freed,
 * or local delivery (veth, loopback) copied the pages out first.
 *
 * Headers, trailers, markers and inline data live in the transmitter's
 * own buffers, which the next batch overwrites; for a zero-copy batch
 * they are copied into pages of their own (kiwi_zc_kva), which the skbs
 * keep alive by reference.
 *
 * A notification may outlive its QP (an orphaned socket still
 * retransmitting after a graceful close) and even the QP's device, so it
 * refers to the QP through a kiwi_zc_owner, which destroy_qp detaches,
 * and module exit waits until every notification is finished.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "compat.h"
#include "kiwi.h"
#include "qp.h"

/**
 * struct kiwi_zc_owner - what zero-copy notifications of one QP share
 * @lock: protects @qp; held while a notification completes WRs
 * @qp: the QP, NULL once destroy_qp has detached it
 * @pending: notifications not finished yet
 * @ref: the QP's reference and one per notification
 */
struct kiwi_zc_owner {
	spinlock_t lock;	/* @qp */
	struct kiwi_qp *qp;
	atomic_t pending;
	refcount_t ref;
};

/**
 * struct kiwi_zc - the notification of one zero-copy batch
 * @ubuf: handed to TCP; its reference count tracks the skbs
 * @owner: the QP it completes WRs of
 * @work: finishes it in process context when the last skb was freed
 *	with interrupts disabled
 * @nsq: entries in @sq_idx
 * @sq_idx: SQ indices of the Sends and Writes the batch finished
 */
struct kiwi_zc {
	struct ubuf_info ubuf;
	struct kiwi_zc_owner *owner;
	struct work_struct work;
	unsigned int nsq;
	u32 sq_idx[KIWI_TX_BATCH_MSGS];
};

/* Notifications in existence, module-wide: module exit waits for zero. */
static atomic_t kiwi_zc_live = ATOMIC_INIT(0);

static void kiwi_zc_owner_put(struct kiwi_zc_owner *o)
{
	if (refcount_dec_and_test(&o->ref))
		kfree(o);
}

/* Context: process or softirq, interrupts enabled. */
static void kiwi_zc_finish(struct kiwi_zc *zc)
{
	struct kiwi_zc_owner *o = zc->owner;
	struct kiwi_qp *qp;
	unsigned int i;

	spin_lock_bh(&o->lock);
	qp = o->qp;
	if (qp) {
		for (i = 0; i < zc->nsq; i++)
			kiwi_qp_sq_done(qp, zc->sq_idx[i], KIWI_WC_SUCCESS);
	}
	/* An orderly close waits for the last one (kiwi_tx_locked()). */
	if (atomic_dec_and_test(&o->pending) && qp &&
	    READ_ONCE(qp->state) == KIWI_QPS_CLOSING)
		kiwi_tx_kick(qp);
	spin_unlock_bh(&o->lock);
	kiwi_zc_owner_put(o);
	kfree(zc);
	/*
	 * Last: module exit may proceed once this reaches zero, and its
	 * synchronize_rcu() waits for us to leave this section.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&kiwi_zc_live))
		wake_up_var(&kiwi_zc_live);
	rcu_read_unlock();
}

static void kiwi_zc_work(struct work_struct *work)
{
	kiwi_zc_finish(container_of(work, struct kiwi_zc, work));
}

/*
 * TCP and the skbs each hold a reference to @uarg and call this to drop
 * it; so do we, for the one kiwi_zc_alloc() gave the transmitter.
 */
static void kiwi_zc_callback(struct sk_buff *skb, struct ubuf_info *uarg,
			     bool zerocopy_success)
{
	struct kiwi_zc *zc = container_of(uarg, struct kiwi_zc, ubuf);

	if (!refcount_dec_and_test(&uarg->refcnt))
		return;
	/* skbs are not freed in hard interrupt context, but be safe. */
	if (unlikely(in_hardirq() || irqs_disabled())) {
		queue_work(kiwi_wq, &zc->work);
		return;
	}
	kiwi_zc_finish(zc);
}

#ifdef KIWI_HAVE_UBUF_INFO_OPS
static const struct ubuf_info_ops kiwi_zc_ops = {
	.complete = kiwi_zc_callback,
};
#endif

/**
 * kiwi_zc_alloc() - a notification for the batch about to be sent
 * @qp: the QP; the caller owns its transmitter
 *
 * Context: process.
 * Return: the notification with one reference for the caller, or NULL if
 * memory is short (the batch is then copied).
 */
struct ubuf_info *kiwi_zc_alloc(struct kiwi_qp *qp)
{
	struct kiwi_zc_owner *o = qp->zc_owner;
	struct kiwi_zc *zc;

	if (!o) {
		o = kzalloc(sizeof(*o), GFP_NOWAIT | __GFP_NOWARN);
		if (!o)
			return NULL;
		spin_lock_init(&o->lock);
		o->qp = qp;
		refcount_set(&o->ref, 1);
		qp->zc_owner = o;
	}
	zc = kmalloc(sizeof(*zc), GFP_NOWAIT | __GFP_NOWARN);
	if (!zc)
		return NULL;
#ifdef KIWI_HAVE_UBUF_INFO_OPS
	zc->ubuf.ops = &kiwi_zc_ops;
#else
	zc->ubuf.callback = kiwi_zc_callback;
#endif
	zc->ubuf.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
	refcount_set(&zc->ubuf.refcnt, 1);
	refcount_inc(&o->ref);
	zc->owner = o;
	INIT_WORK(&zc->work, kiwi_zc_work);
	zc->nsq = 0;
	atomic_inc(&o->pending);
	atomic_inc(&kiwi_zc_live);
	return &zc->ubuf;
}

/**
 * kiwi_zc_add_sq() - a WR of the batch completes with the notification
 * @uarg: from kiwi_zc_alloc(), still referenced by the caller
 * @sq_idx: the WR's SQ index
 */
void kiwi_zc_add_sq(struct ubuf_info *uarg, u32 sq_idx)
{
	struct kiwi_zc *zc = container_of(uarg, struct kiwi_zc, ubuf);

	if (!WARN_ON_ONCE(zc->nsq == ARRAY_SIZE(zc->sq_idx)))
		zc->sq_idx[zc->nsq++] = sq_idx;
}

/**
 * kiwi_zc_put() - drop the transmitter's reference to a notification
 * @uarg: from kiwi_zc_alloc()
 *
 * The WRs recorded so far complete once the skbs let go as well.
 *
 * Context: process.
 */
void kiwi_zc_put(struct ubuf_info *uarg)
{
	kiwi_zc_callback(NULL, uarg, true);
}

/**
 * kiwi_zc_pending() - whether zero-copy batches of @qp await completion
 * @qp: the QP
 */
bool kiwi_zc_pending(struct kiwi_qp *qp)
{
	return qp->zc_owner && atomic_read(&qp->zc_owner->pending);
}

/**
 * kiwi_zc_detach() - cut the notifications of a QP being destroyed off it
 * @qp: the QP, flushed, with no transmitter running
 *
 * Notifications that finish later complete nothing; the flush already
 * completed their WRs.
 *
 * Context: process.
 */
void kiwi_zc_detach(struct kiwi_qp *qp)
{
	struct kiwi_zc_owner *o = qp->zc_owner;

	if (!o)
		return;
	spin_lock_bh(&o->lock);
	o->qp = NULL;
	spin_unlock_bh(&o->lock);
	qp->zc_owner = NULL;
	kiwi_zc_owner_put(o);
}

/**
 * kiwi_zc_kva() - copy transmitter-owned bytes somewhere skbs may keep
 * @frag: the transmitter's current copy page
 * @src: the bytes
 * @len: their length, at most PAGE_SIZE
 * @page: set to the page holding the copy
 * @off: set to its offset there
 *
 * The caller takes its own page reference for the batch (the skbs take
 * theirs), so a page is never written twice at the same offset: @frag
 * only moves forward, and moves to a new page when the current one is
 * full.
 *
 * Context: process.
 * Return: 0, or -ENOMEM.
 */
int kiwi_zc_kva(struct page_frag *frag, const void *src, u32 len,
		struct page **page, u32 *off)
{
	if (!frag->page || frag->offset + len > frag->size) {
		struct page *p;
		unsigned int order = get_order(SZ_32K);

		p = alloc_pages(GFP_NOWAIT | __GFP_NOWARN | __GFP_COMP |
				__GFP_NORETRY, order);
		if (!p) {
			order = 0;
			p = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
			if (!p)
				return -ENOMEM;
		}
		if (frag->page)
			put_page(frag->page);
		frag->page = p;
		frag->offset = 0;
		frag->size = PAGE_SIZE << order;
	}
	memcpy(page_address(frag->page) + frag->offset, src, len);
	*page = frag->page;
	*off = frag->offset;
	frag->offset += len;
	return 0;
}

/**
 * kiwi_zc_wait_all() - wait until every notification is finished
 *
 * For module exit: TCP may still hold skbs of sockets kiwi released
 * gracefully, and their notifications call into this module.
 */
void kiwi_zc_wait_all(void)
{
	wait_var_event(&kiwi_zc_live, !atomic_read(&kiwi_zc_live));
	/* Let a finisher that just woke us return from this module. */
	synchronize_rcu();
}
