// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: queue pairs.  Creation and destruction, the iWARP state machine,
 * kernel posting, completions in send-queue order, and flushing.
 *
 * Lifetime.  ib_core frees a QP's memory when destroy_qp returns, so the
 * QP is reference counted and destroy_qp waits until every holder is done:
 * iw_cm (iw_add_ref/iw_rem_ref), the connection endpoint while attached,
 * and queued work.  The socket callbacks reach the QP only through its
 * connection endpoint, under the socket's sk_callback_lock, and the
 * endpoint lets go of the QP only with the callbacks detached.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/log2.h>
#include <linux/preempt.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <rdma/uverbs_ioctl.h>
#include <linux/vmalloc.h>

#include "cm.h"
#include "cq.h"
#include "kiwi.h"
#include "kiwi_kunit.h"
#include "mem.h"
#include "poller.h"
#include "qp.h"

static_assert(sizeof(struct kiwi_sqe) == 128);
static_assert(sizeof(struct kiwi_rqe) == 128);

const char *const kiwi_qp_state_name[KIWI_QPS_NUM] = {
	[KIWI_QPS_IDLE] = "IDLE",
	[KIWI_QPS_RTS] = "RTS",
	[KIWI_QPS_CLOSING] = "CLOSING",
	[KIWI_QPS_TERMINATE] = "TERMINATE",
	[KIWI_QPS_ERROR] = "ERROR",
};
EXPORT_SYMBOL_IF_KUNIT(kiwi_qp_state_name);

/*
 * Which state changes the verbs may ask for (true = allowed), indexed
 * [from][to].  The connection manager moves IDLE -> RTS itself; anything
 * can go to ERROR; only an unconnected QP goes back to IDLE.
 */
VISIBLE_IF_KUNIT const bool kiwi_qp_next_state[KIWI_QPS_NUM][KIWI_QPS_NUM] = {
	[KIWI_QPS_IDLE] = {
		[KIWI_QPS_IDLE] = true, [KIWI_QPS_ERROR] = true,
	},
	[KIWI_QPS_RTS] = {
		[KIWI_QPS_RTS] = true, [KIWI_QPS_CLOSING] = true,
		[KIWI_QPS_TERMINATE] = true, [KIWI_QPS_ERROR] = true,
	},
	[KIWI_QPS_CLOSING] = {
		[KIWI_QPS_CLOSING] = true, [KIWI_QPS_ERROR] = true,
	},
	[KIWI_QPS_TERMINATE] = {
		[KIWI_QPS_TERMINATE] = true, [KIWI_QPS_ERROR] = true,
	},
	[KIWI_QPS_ERROR] = {
		[KIWI_QPS_IDLE] = true, [KIWI_QPS_ERROR] = true,
	},
};
EXPORT_SYMBOL_IF_KUNIT(kiwi_qp_next_state);

void kiwi_qp_get(struct kiwi_qp *qp)
{
	refcount_inc(&qp->ref);
}

void kiwi_qp_put(struct kiwi_qp *qp)
{
	if (refcount_dec_and_test(&qp->ref))
		complete(&qp->released);
}

/*
 * Returns the QP referenced, or NULL.  The QP number may be anybody's (a
 * doorbell file takes any), and ib_core frees a destroyed QP with no RCU
 * grace period, so the reference is taken under the xarray's lock: once
 * kiwi_destroy_qp() has erased the entry, no lookup can reach the QP.
 *
 * Context: process (the xarray's lock is not taken with BHs off).
 */
struct kiwi_qp *kiwi_qp_get_by_qpn(struct kiwi_device *kdev, u32 qpn)
{
	struct kiwi_qp *qp;

	xa_lock(&kdev->qp_xa);
	qp = xa_load(&kdev->qp_xa, qpn);
	if (qp && !refcount_inc_not_zero(&qp->ref))
		qp = NULL;
	xa_unlock(&kdev->qp_xa);
	return qp;
}

/* Whether the calling task may bind @qp to a connection. */
static bool kiwi_qp_owned(const struct kiwi_qp *qp)
{
	return !qp->user || qp->owner == task_tgid(current);
}

/*
 * kiwi_qp_get_by_qpn() for connect and accept, whose QP number comes from
 * the caller unchecked (ucma passes the one userspace gives): a user QP is
 * found only by the thread group that created it, so no process can bind
 * another's QP to a connection of its own choosing.  rdma_cm makes these
 * calls in the caller's context.  Another's QP looks like none.
 *
 * Context: process.
 */
struct kiwi_qp *kiwi_qp_get_owned(struct kiwi_device *kdev, u32 qpn)
{
	struct kiwi_qp *qp = kiwi_qp_get_by_qpn(kdev, qpn);

	if (qp && !kiwi_qp_owned(qp)) {
		kiwi_qp_put(qp);
		return NULL;
	}
	return qp;
}

/*
 * iw_cm, connecting or accepting, looks the QP up with kiwi_iw_get_qp()
 * and, if found, takes its reference with kiwi_iw_add_ref(), both under
 * its cm_id's spinlock.  The QP number is the caller's, unchecked;
 * someone else's user QP is not found (kiwi_qp_get_owned()).
 *
 * ib_core frees a destroyed QP with no grace period, and a lookup that
 * found the QP holds no reference until kiwi_iw_add_ref().  So lookups in
 * that window are counted in kdev->iw_lookups, and kiwi_destroy_qp(),
 * having erased the QP, waits one grace period if any is: the section
 * under the spinlock is an RCU reader (on PREEMPT_RT as well).  Either
 * destroy sees the count or the lookup misses the QP.  Should iw_cm ever
 * call the two unpaired, the count stays off zero and every destroy waits
 * a grace period: slower, never unsafe.
 *
 * Context: the caller's process, iw_cm's cm_id spinlock held.
 */
struct ib_qp *kiwi_iw_get_qp(struct ib_device *ibdev, int qpn)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibdev);
	struct kiwi_qp *qp;

	atomic_inc(&kdev->iw_lookups);
	/* count, then look: pairs with the barrier after xa_erase() */
	smp_mb__after_atomic();
	rcu_read_lock();
	qp = xa_load(&kdev->qp_xa, qpn);
	if (qp && !kiwi_qp_owned(qp))
		qp = NULL;
	rcu_read_unlock();
	if (qp)
		return &qp->ibqp;
	/* done with the QP before it may go */
	smp_mb__before_atomic();
	atomic_dec(&kdev->iw_lookups);
	return NULL;
}

void kiwi_iw_add_ref(struct ib_qp *ibqp)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);

	kiwi_qp_get(qp);
	/* referenced before destroy may see no lookup */
	smp_mb__before_atomic();
	atomic_dec(&qp->kdev->iw_lookups);
}

void kiwi_iw_rem_ref(struct ib_qp *ibqp)
{
	kiwi_qp_put(to_kiwi_qp(ibqp));
}

/* Context: any. */
void kiwi_qp_event(struct kiwi_qp *qp, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = qp->ibqp.device,
		.event = type,
		.element.qp = &qp->ibqp,
	};

	if (qp->ibqp.event_handler)
		qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
}

static enum ib_qp_state kiwi_qps_to_ib(struct kiwi_qp *qp);

/*
 * Tell the provider the QP's state through its ring headers (see "QP
 * state" and "Errors" in kiwi-abi.h).  ERROR is raised, with a full
 * barrier, before the flush that follows it is queued.
 */
static void kiwi_qp_publish_state(struct kiwi_qp *qp)
{
	enum ib_qp_state s = kiwi_qps_to_ib(qp);
	u32 set = s == IB_QPS_ERR ? KIWI_RING_F_ERROR : 0;
	u32 clear = s == IB_QPS_RESET ? KIWI_RING_F_ERROR : 0;

	lockdep_assert_held(&qp->state_lock);
	WRITE_ONCE(qp->sq.hdr->qp_state, s);
	kiwi_ring_flags_update(&qp->sq, set, clear);
	if (qp->rq.hdr) {
		WRITE_ONCE(qp->rq.hdr->qp_state, s);
		kiwi_ring_flags_update(&qp->rq, set, clear);
	}
	/* Pairs with the provider's barrier between posting and reading
	 * flags: ERROR is visible before the flush reads the rings.
	 */
	smp_mb();
}

static bool kiwi_qp_set_state(struct kiwi_qp *qp, enum kiwi_qp_state to)
{
	enum kiwi_qp_state from;
	bool ok;

	lockdep_assert_held(&qp->state_lock);
	from = qp->state;
	ok = kiwi_qp_next_state[from][to];
	if (ok && from != to) {
		kiwi_dbg_qp(qp, "%s -> %s\n", kiwi_qp_state_name[from],
			    kiwi_qp_state_name[to]);
		WRITE_ONCE(qp->state, to);
		kiwi_qp_publish_state(qp);
	}
	return ok;
}

/**
 * kiwi_qp_error() - move the QP to ERROR
 * @qp: the QP
 *
 * The connection is aborted and every outstanding WR flushed, from a work
 * item.
 *
 * Context: any.
 */
void kiwi_qp_error(struct kiwi_qp *qp)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->state_lock, flags);
	kiwi_qp_set_state(qp, KIWI_QPS_ERROR);
	set_bit(KIWI_QP_FLUSH_SQ, &qp->flags);
	set_bit(KIWI_QP_FLUSH_RQ, &qp->flags);
	spin_unlock_irqrestore(&qp->state_lock, flags);
	kiwi_qp_get(qp);
	if (!queue_work(kiwi_wq, &qp->err_work))
		kiwi_qp_put(qp);
}

/**
 * kiwi_qp_closing() - graceful close: RTS -> CLOSING
 * @qp: the QP
 *
 * New work is no longer started; once what is in flight has left, the
 * connection endpoint shuts the TCP connection down.
 *
 * Context: any.
 */
void kiwi_qp_closing(struct kiwi_qp *qp)
{
	unsigned long flags;
	bool moved;

	spin_lock_irqsave(&qp->state_lock, flags);
	moved = qp->state == KIWI_QPS_RTS &&
		kiwi_qp_set_state(qp, KIWI_QPS_CLOSING);
	spin_unlock_irqrestore(&qp->state_lock, flags);
	if (moved)
		kiwi_tx_kick(qp);
}

/**
 * kiwi_qp_terminate() - a protocol error: send TERMINATE, then ERROR
 * @qp: the QP
 * @code: the TERMINATE code
 * @fpdu: the offending FPDU's header (MPA length first), or NULL
 * @len: bytes at @fpdu
 *
 * Context: any.
 */
void kiwi_qp_terminate(struct kiwi_qp *qp, const struct kiwi_term_code *code,
		       const u8 *fpdu, size_t len)
{
	struct kiwi_tx *tx = qp->tx;
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&qp->state_lock, flags);
	first = qp->state == KIWI_QPS_RTS || qp->state == KIWI_QPS_CLOSING;
	if (first && tx && !test_bit(KIWI_QP_TERM_PENDING, &qp->flags)) {
		memset(&tx->term, 0, sizeof(tx->term));
		tx->term.code = *code;
		if (fpdu && len)
			kiwi_term_set_hdrs(&tx->term, fpdu, len);
		qp->vendor_err = code->layer << 12 | code->etype << 8 |
				 code->ecode;
		kiwi_qp_set_state(qp, KIWI_QPS_TERMINATE);
		/* Publish tx->term before the bit (see kiwi_tx_next()). */
		smp_mb__before_atomic();
		set_bit(KIWI_QP_TERM_PENDING, &qp->flags);
	}
	spin_unlock_irqrestore(&qp->state_lock, flags);

	if (first) {
		pr_warn_ratelimited("qp %u: TERMINATE layer %u type %u code 0x%02x\n",
				    qp->ibqp.qp_num, code->layer, code->etype,
				    code->ecode);
		kiwi_qp_event(qp, IB_EVENT_QP_FATAL);
		/* The transmitter sends it, then moves the QP to ERROR. */
		kiwi_tx_kick(qp);
	} else {
		kiwi_qp_error(qp);
	}
}

static void kiwi_cqe_fill(struct kiwi_cqe *cqe, struct kiwi_qp *qp, u64 wr_id,
			  u8 opcode, u8 status, u32 byte_len)
{
	memset(cqe, 0, sizeof(*cqe));
	cqe->wr_id = wr_id;
	cqe->qp_num = qp->ibqp.qp_num;
	cqe->opcode = opcode;
	cqe->status = status;
	cqe->byte_len = byte_len;
	if (status != KIWI_WC_SUCCESS && status != KIWI_WC_WR_FLUSH_ERR)
		cqe->vendor_err = qp->vendor_err;
}

/* A completion the QP cannot deliver means the QP cannot continue. */
static void kiwi_qp_push(struct kiwi_qp *qp, struct kiwi_cq *cq,
			 struct kiwi_cqe *cqe)
{
	if (kiwi_cq_push(cq, cqe, &qp->ibqp))
		kiwi_qp_error(qp);
}

/* Deliver SQ completions in order.  Context: any; sq_lock held. */
static void kiwi_sq_advance(struct kiwi_qp *qp)
{
	struct kiwi_cqe cqe;

	lockdep_assert_held(&qp->sq_lock);
	while (qp->sq.cons != qp->sq_next) {
		struct kiwi_sq_slot *s = &qp->sq_slots[qp->sq.cons & qp->sq.mask];
		bool report;

		if (!s->done)
			break;
		report = !qp->destroying &&
			 (s->signaled || s->status != KIWI_WC_SUCCESS);
		if (report)
			kiwi_cqe_fill(&cqe, qp, s->wr_id, s->opcode, s->status,
				      s->byte_len);
		s->done = false;
		/*
		 * The slot is free before its completion is visible: a
		 * consumer that polled the completion may post into it.
		 */
		qp->sq.cons++;
		kiwi_ring_publish_cons(&qp->sq);
		if (report)
			kiwi_qp_push(qp, qp->scq, &cqe);
	}
}

/**
 * kiwi_qp_sq_done() - a send WR has finished
 * @qp: the QP
 * @sq_idx: its SQ index
 * @status: KIWI_WC_*
 *
 * Its completion, and those of finished WRs behind it, are delivered once
 * every WR posted before it has completed.
 *
 * Context: any.
 */
void kiwi_qp_sq_done(struct kiwi_qp *qp, u32 sq_idx, u8 status)
{
	struct kiwi_sq_slot *s;

	spin_lock_bh(&qp->sq_lock);
	/* A zero-copy Send finishing after the flush completed it. */
	if (sq_idx - qp->sq.cons >= qp->sq_next - qp->sq.cons) {
		spin_unlock_bh(&qp->sq_lock);
		return;
	}
	s = &qp->sq_slots[sq_idx & qp->sq.mask];
	s->status = status;
	s->done = true;
	kiwi_sq_advance(qp);
	spin_unlock_bh(&qp->sq_lock);
}

/* Context: any. */
int kiwi_qp_recv_cqe(struct kiwi_qp *qp, struct kiwi_cqe *cqe)
{
	cqe->qp_num = qp->ibqp.qp_num;
	if (cqe->status != KIWI_WC_SUCCESS &&
	    cqe->status != KIWI_WC_WR_FLUSH_ERR)
		cqe->vendor_err = qp->vendor_err;
	if (qp->destroying)
		return 0;
	return kiwi_cq_push(qp->rcq, cqe, &qp->ibqp);
}

/**
 * kiwi_qp_get_rqe() - take the next receive WR, for an arriving Send
 * @qp: the QP
 * @rqe: a copy of the entry; its slot is the producer's again
 *
 * Context: any (the receive path runs in softirq).
 * Return: 0, -ENOENT if no receive WR is posted, -EIO for a corrupt
 * ring index.
 */
int kiwi_qp_get_rqe(struct kiwi_qp *qp, struct kiwi_rqe *rqe)
{
	int n;

	if (qp->srq)
		return kiwi_srq_get_rqe(qp->srq, rqe);

	spin_lock_bh(&qp->rq_lock);
	n = kiwi_ring_avail(&qp->rq);
	if (n > 0) {
		memcpy(rqe, kiwi_ring_entry(&qp->rq, qp->rq.cons), sizeof(*rqe));
		qp->rq.cons++;
		kiwi_ring_publish_cons(&qp->rq);
	}
	spin_unlock_bh(&qp->rq_lock);
	return n < 0 ? -EIO : n ? 0 : -ENOENT;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_qp_get_rqe);

static u8 kiwi_wr_cqe_opcode(u8 wr_opcode)
{
	switch (wr_opcode) {
	case KIWI_WR_WRITE:
		return KIWI_CQE_WRITE;
	case KIWI_WR_READ:
	case KIWI_WR_READ_INV:
		return KIWI_CQE_READ;
	case KIWI_WR_LOCAL_INV:
		return KIWI_CQE_LOCAL_INV;
	case KIWI_WR_REG_MR:
		return KIWI_CQE_REG_MR;
	default:
		return KIWI_CQE_SEND;
	}
}

/* Entries a ring's producer index claims, clamped to what can be true. */
static u32 kiwi_ring_pending(const struct kiwi_ring *ring, u32 from)
{
	u32 n = READ_ONCE(ring->hdr->prod) - from;

	return min(n, kiwi_ring_size(ring));
}

/**
 * kiwi_qp_flush() - complete every outstanding WR with a flush error
 * @qp: the QP, in ERROR
 *
 * Context: process.  The caller owns the transmitter (KIWI_QP_TX_BUSY)
 * and the receive path is detached, so nothing else consumes the rings.
 */
void kiwi_qp_flush(struct kiwi_qp *qp)
{
	struct kiwi_cqe cqe;
	u32 i, n;

	kiwi_tx_release(qp);
	kiwi_rx_release(qp);

	spin_lock_bh(&qp->sq_lock);
	n = kiwi_ring_pending(&qp->sq, qp->sq_next);
	for (i = 0; i < n; i++, qp->sq_next++) {
		const struct kiwi_sqe *e = kiwi_ring_entry(&qp->sq, qp->sq_next);
		struct kiwi_sq_slot *s =
			&qp->sq_slots[qp->sq_next & qp->sq.mask];

		s->wr_id = READ_ONCE(e->wr_id);
		s->opcode = kiwi_wr_cqe_opcode(READ_ONCE(e->opcode));
		s->byte_len = 0;
		s->signaled = true;
		s->done = false;
	}
	for (i = qp->sq.cons; i != qp->sq_next; i++) {
		struct kiwi_sq_slot *s = &qp->sq_slots[i & qp->sq.mask];

		if (!s->done) {
			s->status = KIWI_WC_WR_FLUSH_ERR;
			s->done = true;
		}
	}
	kiwi_sq_advance(qp);
	spin_unlock_bh(&qp->sq_lock);

	if (qp->srq) {
		if (!qp->destroying)
			kiwi_qp_event(qp, IB_EVENT_QP_LAST_WQE_REACHED);
		return;
	}
	spin_lock_bh(&qp->rq_lock);
	n = kiwi_ring_pending(&qp->rq, qp->rq.cons);
	for (i = 0; i < n; i++, qp->rq.cons++) {
		const struct kiwi_rqe *e = kiwi_ring_entry(&qp->rq, qp->rq.cons);

		memset(&cqe, 0, sizeof(cqe));
		cqe.wr_id = READ_ONCE(e->wr_id);
		cqe.opcode = KIWI_CQE_RECV;
		cqe.status = KIWI_WC_WR_FLUSH_ERR;
		if (kiwi_qp_recv_cqe(qp, &cqe))
			break;
	}
	kiwi_ring_publish_cons(&qp->rq);
	spin_unlock_bh(&qp->rq_lock);
}

/* Own the transmitter from process context. */
static void kiwi_qp_tx_lock(struct kiwi_qp *qp)
{
	wait_on_bit_lock(&qp->flags, KIWI_QP_TX_BUSY, TASK_UNINTERRUPTIBLE);
}

static void kiwi_qp_tx_unlock(struct kiwi_qp *qp)
{
	clear_bit_unlock(KIWI_QP_TX_BUSY, &qp->flags);
	/* wake_up_bit() requires the cleared bit to be visible first. */
	smp_mb__after_atomic();
	wake_up_bit(&qp->flags, KIWI_QP_TX_BUSY);
}

/*
 * Context: process (workqueue).  Finishes a move to ERROR: tear the
 * connection down, so the receive path stops, then flush.
 */
static void kiwi_qp_err_work(struct work_struct *work)
{
	struct kiwi_qp *qp = container_of(work, struct kiwi_qp, err_work);
	struct kiwi_cep *cep;
	bool flush;

	kiwi_poller_del(qp);
	/* Lock order: transmitter, then the connection endpoint. */
	kiwi_qp_tx_lock(qp);
	cep = kiwi_cm_qp_detach(qp);
	flush = test_and_clear_bit(KIWI_QP_FLUSH_SQ, &qp->flags);
	flush |= test_and_clear_bit(KIWI_QP_FLUSH_RQ, &qp->flags);
	if (flush && READ_ONCE(qp->state) == KIWI_QPS_ERROR)
		kiwi_qp_flush(qp);
	kiwi_qp_tx_unlock(qp);
	/* Completions first, then the close event. */
	if (cep)
		kiwi_cm_qp_closed(cep);
	kiwi_qp_put(qp);
}

/**
 * kiwi_qp_to_rts() - the connection is up: IDLE -> RTS
 * @qp: the QP
 * @cep: its connection endpoint; the QP takes a reference
 * @mpa: what MPA negotiation agreed
 * @initiator: this end sent the MPA request
 *
 * Context: process.
 * Return: 0, -EINVAL if the QP is not IDLE, -ENOMEM.
 */
int kiwi_qp_to_rts(struct kiwi_qp *qp, struct kiwi_cep *cep,
		   const struct kiwi_mpa_params *mpa, bool initiator)
{
	struct kiwi_orq_entry *orq;
	struct kiwi_irq_entry *irq;
	u32 nord, nird;
	int ret;

	nord = roundup_pow_of_two(max_t(u32, mpa->ord, 1));
	nird = roundup_pow_of_two(max_t(u32, mpa->ird, 1));
	orq = kcalloc(nord, sizeof(*orq), GFP_KERNEL);
	irq = kcalloc(nird, sizeof(*irq), GFP_KERNEL);
	if (!orq || !irq) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = kiwi_tx_init(qp);
	if (ret)
		goto err_free;

	spin_lock_bh(&qp->state_lock);
	if (qp->state != KIWI_QPS_IDLE || qp->cep) {
		spin_unlock_bh(&qp->state_lock);
		ret = -EINVAL;
		goto err_free;
	}
	qp->orq = orq;
	qp->irq = irq;
	qp->ord = nord;
	qp->ird = nird;
	qp->orq_head = 0;
	qp->orq_tail = 0;
	qp->irq_head = 0;
	qp->irq_tail = 0;
	qp->mpa = *mpa;
	kiwi_cep_get(cep);
	qp->cep = cep;
	kiwi_rx_init(qp);
	/*
	 * RFC 5044 has the initiator speak first, and the responder hold its
	 * transmitter until an FPDU arrives.  With an RFC 6581 RTR agreed
	 * that FPDU is sure to come.  Without one it comes only if the
	 * application at the initiator sends first: siw never offers RTR and
	 * its responder never waits, so applications written against it
	 * (perftest's ib_write_lat: the server writes first) would hang on a
	 * waiting responder.  Waiting there is therefore mpa_resp_wait's
	 * choice (Documentation/interop.rst).
	 */
	if (initiator) {
		if (mpa->rtr)
			set_bit(KIWI_QP_RTR_PENDING, &qp->flags);
	} else if (mpa->rtr || READ_ONCE(kiwi_mpa_resp_wait)) {
		set_bit(KIWI_QP_TX_GATED, &qp->flags);
	}
	qp->ib_state = IB_QPS_RTS;
	WRITE_ONCE(qp->state, KIWI_QPS_RTS);
	kiwi_qp_publish_state(qp);
	spin_unlock_bh(&qp->state_lock);
	kiwi_dbg_qp(qp, "RTS, crc %d ird %u ord %u rtr %u\n", mpa->crc,
		    nird, nord, mpa->rtr);
	if (qp->sq_poll)
		kiwi_poller_add(qp);
	kiwi_qp_event(qp, IB_EVENT_COMM_EST);
	return 0;

err_free:
	kfree(orq);
	kfree(irq);
	return ret;
}

static int kiwi_qp_check_caps(struct ib_qp_init_attr *attr)
{
	struct ib_qp_cap *cap = &attr->cap;

	if (cap->max_send_wr > KIWI_MAX_QP_WR ||
	    cap->max_send_sge > KIWI_MAX_SEND_SGE ||
	    cap->max_recv_sge > KIWI_MAX_RECV_SGE ||
	    cap->max_inline_data > KIWI_MAX_INLINE)
		return -EINVAL;
	if (!attr->srq && cap->max_recv_wr > KIWI_MAX_QP_WR)
		return -EINVAL;
	return 0;
}

/* Context: process. */
int kiwi_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *attr,
		   struct ib_udata *udata)
{
	struct kiwi_device *kdev = to_kiwi_dev(ibqp->device);
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	struct kiwi_create_qp_resp resp = {};
	struct kiwi_ucontext *kuctx;
	struct ib_ucontext *uctx = NULL;
	u32 qpn;
	int ret;

	if (attr->qp_type != IB_QPT_RC)
		return -EOPNOTSUPP;
	if (attr->create_flags)
		return -EOPNOTSUPP;
	if (!attr->send_cq || !attr->recv_cq)
		return -EINVAL;
	ret = kiwi_qp_check_caps(attr);
	if (ret)
		return ret;
	if (udata) {
		if (udata->inlen &&
		    !ib_is_udata_cleared(udata, 0, udata->inlen))
			return -EINVAL;
		if (udata->outlen < sizeof(resp))
			return -EINVAL;
		kuctx = rdma_udata_to_drv_context(udata, struct kiwi_ucontext,
						  ibuctx);
		uctx = &kuctx->ibuctx;
		qp->sq_poll = kuctx->sq_poll;
		qp->uctx_id = kuctx->id;
	}
	if (!kiwi_obj_get(&kdev->num_qp, KIWI_MAX_QP))
		return -ENOMEM;

	qp->kdev = kdev;
	refcount_set(&qp->ref, 1);
	init_completion(&qp->released);
	spin_lock_init(&qp->state_lock);
	spin_lock_init(&qp->sq_lock);
	spin_lock_init(&qp->rq_lock);
	spin_lock_init(&qp->rdma_lock);
	INIT_WORK(&qp->tx_work, kiwi_tx_work);
	INIT_WORK(&qp->rx_work, kiwi_rx_work);
	INIT_WORK(&qp->err_work, kiwi_qp_err_work);
	INIT_LIST_HEAD(&qp->poll_node);
	qp->state = KIWI_QPS_IDLE;
	qp->ib_state = IB_QPS_RESET;
	qp->user = !!udata;
	qp->sq_sig_all = attr->sq_sig_type == IB_SIGNAL_ALL_WR;
	qp->scq = to_kiwi_cq(attr->send_cq);
	qp->rcq = to_kiwi_cq(attr->recv_cq);
	qp->srq = attr->srq ? to_kiwi_srq(attr->srq) : NULL;
	qp->max_inline = KIWI_MAX_INLINE;
	qp->max_send_sge = KIWI_MAX_SEND_SGE;
	qp->max_recv_sge = KIWI_MAX_RECV_SGE;

	ret = kiwi_ring_alloc(&qp->sq, max_t(u32, attr->cap.max_send_wr, 1),
			      sizeof(struct kiwi_sqe), uctx);
	if (ret)
		goto err_count;
	if (!qp->srq) {
		ret = kiwi_ring_alloc(&qp->rq,
				      max_t(u32, attr->cap.max_recv_wr, 1),
				      sizeof(struct kiwi_rqe), uctx);
		if (ret)
			goto err_sq;
	}
	qp->sq_slots = kvcalloc(kiwi_ring_size(&qp->sq),
				sizeof(*qp->sq_slots), GFP_KERNEL);
	if (!qp->sq_slots) {
		ret = -ENOMEM;
		goto err_rq;
	}

	/* Reserve the QP number; publish the QP once it is complete. */
	ret = xa_alloc_cyclic(&kdev->qp_xa, &qpn, NULL,
			      XA_LIMIT(1, (1 << 24) - 1), &kdev->qp_next,
			      GFP_KERNEL);
	if (ret < 0)
		goto err_slots;
	ibqp->qp_num = qpn;

	attr->cap.max_send_wr = kiwi_ring_size(&qp->sq);
	attr->cap.max_recv_wr = qp->srq ? 0 : kiwi_ring_size(&qp->rq);
	attr->cap.max_send_sge = qp->max_send_sge;
	attr->cap.max_recv_sge = qp->max_recv_sge;
	attr->cap.max_inline_data = qp->max_inline;

	if (udata) {
		resp.sq_mmap_offset = kiwi_ring_mmap_offset(&qp->sq);
		resp.sq_mmap_size = qp->sq.bytes;
		resp.sq_entries = kiwi_ring_size(&qp->sq);
		if (!qp->srq) {
			resp.rq_mmap_offset = kiwi_ring_mmap_offset(&qp->rq);
			resp.rq_mmap_size = qp->rq.bytes;
			resp.rq_entries = kiwi_ring_size(&qp->rq);
		}
		resp.qp_num = qpn;
		resp.max_inline = qp->max_inline;
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err_qpn;
	}
	if (udata)
		qp->owner = get_pid(task_tgid(current));
	xa_store(&kdev->qp_xa, qpn, qp, GFP_KERNEL);
	return 0;

err_qpn:
	xa_erase(&kdev->qp_xa, qpn);
err_slots:
	kvfree(qp->sq_slots);
err_rq:
	if (!qp->srq)
		kiwi_ring_free(&qp->rq);
err_sq:
	kiwi_ring_free(&qp->sq);
err_count:
	atomic_dec(&kdev->num_qp);
	return ret;
}

/* Context: process. */
int kiwi_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	struct kiwi_device *kdev = qp->kdev;

	/*
	 * No new lookups by QP number, and none of iw_cm's left without
	 * its reference, which the wait below then waits for.
	 */
	xa_erase(&kdev->qp_xa, ibqp->qp_num);
	/* erase, then look at the count: pairs with kiwi_iw_get_qp() */
	smp_mb();
	if (atomic_read(&kdev->iw_lookups))
		synchronize_rcu();
	qp->destroying = true;
	kiwi_qp_error(qp);
	flush_work(&qp->err_work);
	kiwi_poller_del(qp);
	kiwi_zc_detach(qp);
	/* A kick that never ran leaves its reference to us. */
	if (cancel_work_sync(&qp->tx_work))
		kiwi_qp_put(qp);

	kiwi_qp_put(qp);
	wait_for_completion(&qp->released);

	kiwi_tx_free(qp);
	kfree(qp->orq);
	kfree(qp->irq);
	kvfree(qp->sq_slots);
	if (!qp->srq)
		kiwi_ring_free(&qp->rq);
	kiwi_ring_free(&qp->sq);
	put_pid(qp->owner);
	atomic_dec(&kdev->num_qp);
	return 0;
}

static enum kiwi_qp_state kiwi_ib_to_qps(enum ib_qp_state s)
{
	switch (s) {
	case IB_QPS_RESET:
	case IB_QPS_INIT:
	case IB_QPS_RTR:
		return KIWI_QPS_IDLE;
	case IB_QPS_RTS:
		return KIWI_QPS_RTS;
	case IB_QPS_SQD:
		return KIWI_QPS_CLOSING;
	case IB_QPS_SQE:
		return KIWI_QPS_TERMINATE;
	default:
		return KIWI_QPS_ERROR;
	}
}

static enum ib_qp_state kiwi_qps_to_ib(struct kiwi_qp *qp)
{
	switch (READ_ONCE(qp->state)) {
	case KIWI_QPS_IDLE:
		return qp->ib_state;
	case KIWI_QPS_RTS:
		return IB_QPS_RTS;
	case KIWI_QPS_CLOSING:
		return IB_QPS_SQD;
	case KIWI_QPS_TERMINATE:
		return IB_QPS_SQE;
	default:
		return IB_QPS_ERR;
	}
}

#define KIWI_QP_ATTR_SUPPORTED (IB_QP_STATE | IB_QP_CUR_STATE | \
	IB_QP_ACCESS_FLAGS | IB_QP_PKEY_INDEX | IB_QP_PORT | \
	IB_QP_MAX_QP_RD_ATOMIC | IB_QP_MAX_DEST_RD_ATOMIC | \
	IB_QP_EN_SQD_ASYNC_NOTIFY)

/*
 * Context: process.  iw_cm calls this too, for SQD (graceful close) and
 * ERR (abortive close); it must not take socket locks, so the socket
 * work happens later, in the connection endpoint's work.
 */
int kiwi_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		   struct ib_udata *udata)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	enum kiwi_qp_state to;
	int ret = 0;

	kiwi_dbg_qp(qp, "mask 0x%x state %d access 0x%x\n", mask,
		    mask & IB_QP_STATE ? attr->qp_state : -1,
		    mask & IB_QP_ACCESS_FLAGS ? attr->qp_access_flags : -1);
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EINVAL;
	if (mask & ~KIWI_QP_ATTR_SUPPORTED)
		return -EOPNOTSUPP;
	if ((mask & IB_QP_MAX_QP_RD_ATOMIC &&
	     attr->max_rd_atomic > KIWI_MAX_ORD) ||
	    (mask & IB_QP_MAX_DEST_RD_ATOMIC &&
	     attr->max_dest_rd_atomic > KIWI_MAX_IRD))
		return -EINVAL;
	if (mask & IB_QP_ACCESS_FLAGS)
		WRITE_ONCE(qp->access, attr->qp_access_flags);
	if (!(mask & IB_QP_STATE))
		return 0;

	to = kiwi_ib_to_qps(attr->qp_state);
	switch (to) {
	case KIWI_QPS_ERROR:
		kiwi_qp_error(qp);
		return 0;
	case KIWI_QPS_CLOSING:
		kiwi_qp_closing(qp);
		return 0;
	default:
		break;
	}

	spin_lock_bh(&qp->state_lock);
	if (to == KIWI_QPS_RTS && qp->state != KIWI_QPS_RTS) {
		/* Only a connection takes an iWARP QP to RTS. */
		ret = -EINVAL;
	} else if (!kiwi_qp_next_state[qp->state][to]) {
		ret = -EINVAL;
	} else if (to == KIWI_QPS_IDLE) {
		if (qp->state == KIWI_QPS_ERROR) {
			/* Everything was flushed: start from empty rings. */
			spin_lock(&qp->sq_lock);
			qp->sq.cons += kiwi_ring_pending(&qp->sq, qp->sq.cons);
			qp->sq_next = qp->sq.cons;
			kiwi_ring_publish_cons(&qp->sq);
			spin_unlock(&qp->sq_lock);
			WRITE_ONCE(qp->state, KIWI_QPS_IDLE);
		}
		qp->ib_state = attr->qp_state;
		kiwi_qp_publish_state(qp);
	} else if (to == KIWI_QPS_TERMINATE) {
		ret = -EINVAL;
	}
	spin_unlock_bh(&qp->state_lock);
	return ret;
}

/* Context: process. */
int kiwi_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_qp_init_attr *init)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);

	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));
	attr->qp_state = kiwi_qps_to_ib(qp);
	attr->cur_qp_state = attr->qp_state;
	attr->qp_access_flags = READ_ONCE(qp->access);
	attr->cap.max_send_wr = kiwi_ring_size(&qp->sq);
	attr->cap.max_recv_wr = qp->srq ? 0 : kiwi_ring_size(&qp->rq);
	attr->cap.max_send_sge = qp->max_send_sge;
	attr->cap.max_recv_sge = qp->max_recv_sge;
	attr->cap.max_inline_data = qp->max_inline;
	attr->max_rd_atomic = qp->ord;
	attr->max_dest_rd_atomic = qp->ird;
	attr->path_mtu = IB_MTU_4096;
	attr->port_num = 1;
	attr->sq_draining = READ_ONCE(qp->state) == KIWI_QPS_CLOSING;

	init->event_handler = ibqp->event_handler;
	init->qp_context = ibqp->qp_context;
	init->send_cq = ibqp->send_cq;
	init->recv_cq = ibqp->recv_cq;
	init->srq = ibqp->srq;
	init->cap = attr->cap;
	init->qp_type = IB_QPT_RC;
	init->sq_sig_type = qp->sq_sig_all ? IB_SIGNAL_ALL_WR :
					     IB_SIGNAL_REQ_WR;
	return 0;
}

static int kiwi_sqe_from_wr(struct kiwi_qp *qp, struct kiwi_sqe *sqe,
			    const struct ib_send_wr *wr)
{
	u32 i, len = 0;

	memset(sqe, 0, offsetof(struct kiwi_sqe, sge));
	sqe->wr_id = wr->wr_id;
	if (wr->send_flags & IB_SEND_SIGNALED)
		sqe->flags |= KIWI_SQE_SIGNALED;
	if (wr->send_flags & IB_SEND_SOLICITED)
		sqe->flags |= KIWI_SQE_SOLICITED;
	if (wr->send_flags & IB_SEND_FENCE)
		sqe->flags |= KIWI_SQE_FENCE;

	switch (wr->opcode) {
	case IB_WR_SEND:
		sqe->opcode = KIWI_WR_SEND;
		break;
	case IB_WR_SEND_WITH_INV:
		sqe->opcode = KIWI_WR_SEND_INV;
		sqe->inv_rkey = wr->ex.invalidate_rkey;
		break;
	case IB_WR_RDMA_WRITE:
		sqe->opcode = KIWI_WR_WRITE;
		sqe->remote_addr = rdma_wr(wr)->remote_addr;
		sqe->rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_RDMA_READ:
	case IB_WR_RDMA_READ_WITH_INV:
		sqe->opcode = wr->opcode == IB_WR_RDMA_READ ?
			      KIWI_WR_READ : KIWI_WR_READ_INV;
		sqe->remote_addr = rdma_wr(wr)->remote_addr;
		sqe->rkey = rdma_wr(wr)->rkey;
		if (wr->num_sge > KIWI_MAX_SGE_RD)
			return -EINVAL;
		break;
	case IB_WR_LOCAL_INV:
		sqe->opcode = KIWI_WR_LOCAL_INV;
		sqe->inv_rkey = wr->ex.invalidate_rkey;
		return 0;
	case IB_WR_REG_MR:
		/* A kernel-only ring: the MR pointer can travel in it. */
		sqe->opcode = KIWI_WR_REG_MR;
		sqe->sge[0].addr = (uintptr_t)to_kiwi_mr(reg_wr(wr)->mr);
		sqe->sge[0].lkey = reg_wr(wr)->key;
		sqe->sge[0].length = reg_wr(wr)->access;
		return 0;
	default:
		return -EOPNOTSUPP;
	}

	if (wr->send_flags & IB_SEND_INLINE && wr->opcode != IB_WR_RDMA_READ &&
	    wr->opcode != IB_WR_RDMA_READ_WITH_INV) {
		sqe->flags |= KIWI_SQE_INLINE;
		for (i = 0; i < wr->num_sge; i++) {
			u32 l = wr->sg_list[i].length;

			if (l > qp->max_inline - len)
				return -EINVAL;
			memcpy(sqe->inline_data + len,
			       (void *)(uintptr_t)wr->sg_list[i].addr, l);
			len += l;
		}
		sqe->inline_len = len;
		return 0;
	}
	if (wr->num_sge > qp->max_send_sge)
		return -EINVAL;
	sqe->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		sqe->sge[i].addr = wr->sg_list[i].addr;
		sqe->sge[i].length = wr->sg_list[i].length;
		sqe->sge[i].lkey = wr->sg_list[i].lkey;
	}
	return 0;
}

/*
 * Whether the caller may sleep, as might_sleep() judges it: not atomic,
 * and not inside an RCU read-side section, which a preemptible RCU does
 * not count in preempt_count.  Kernel consumers post from any context:
 * blk-mq calls nvme-rdma's queue_rq under rcu_read_lock(), others post
 * from softirq or under their own spinlocks.  Where it cannot tell (a
 * kernel without CONFIG_PREEMPTION, whose preemptible() is 0), the
 * answer is no.
 */
static bool kiwi_may_sleep(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_COUNT) && preemptible() &&
	       !rcu_preempt_depth();
}

/*
 * Context: any.  Kernel consumers only; a process uses its mapped SQ.
 * The transmitter, which takes the socket lock, runs in the caller's
 * context only if that may sleep, and is queued to kiwi_wq otherwise.
 */
/**
 * kiwi_qp_doorbell() - a user QP's doorbell rang
 * @qp: the QP
 *
 * Send what its SQ holds, or flush it if the QP is in error, in the
 * caller's context, and wake the SQ poller.
 *
 * Context: process.
 */
void kiwi_qp_doorbell(struct kiwi_qp *qp)
{
	atomic64_inc(&qp->kdev->sq_doorbells);
	if (READ_ONCE(qp->state) == KIWI_QPS_ERROR)
		kiwi_qp_error(qp);
	else
		kiwi_tx_run(qp);
	kiwi_poller_wake(qp);
}

int kiwi_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		   const struct ib_send_wr **bad_wr)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	enum kiwi_qp_state state = READ_ONCE(qp->state);
	int ret = 0;

	if (qp->user) {
		/* The doorbell: uverbs post_send with no work requests. */
		if (wr) {
			*bad_wr = wr;
			return -EINVAL;
		}
		kiwi_qp_doorbell(qp);
		return 0;
	}
	if (state == KIWI_QPS_IDLE) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_bh(&qp->sq_lock);
	for (; wr; wr = wr->next) {
		struct kiwi_sqe *sqe;

		if (qp->sq.hdr->prod - qp->sq.cons >= kiwi_ring_size(&qp->sq)) {
			ret = -ENOMEM;
			break;
		}
		sqe = kiwi_ring_entry(&qp->sq, qp->sq.hdr->prod);
		ret = kiwi_sqe_from_wr(qp, sqe, wr);
		if (ret)
			break;
		/* Publish the entry: pairs with the acquire in tx.c. */
		smp_store_release(&qp->sq.hdr->prod, qp->sq.hdr->prod + 1);
	}
	spin_unlock_bh(&qp->sq_lock);
	if (ret)
		*bad_wr = wr;

	if (state == KIWI_QPS_ERROR)
		kiwi_qp_error(qp);
	else if (kiwi_may_sleep())
		kiwi_tx_run(qp);
	else
		kiwi_tx_kick(qp);
	return ret;
}

/* Context: any. */
int kiwi_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		   const struct ib_recv_wr **bad_wr)
{
	struct kiwi_qp *qp = to_kiwi_qp(ibqp);
	int ret = 0;

	/* Receives may be posted from INIT on, before the connection. */
	if (qp->srq || (READ_ONCE(qp->state) == KIWI_QPS_IDLE &&
			READ_ONCE(qp->ib_state) == IB_QPS_RESET)) {
		*bad_wr = wr;
		return -EINVAL;
	}
	if (qp->user) {
		/* A process posts into its mapped RQ; this is its flush kick. */
		if (wr) {
			*bad_wr = wr;
			return -EINVAL;
		}
		if (READ_ONCE(qp->state) == KIWI_QPS_ERROR)
			kiwi_qp_error(qp);
		return 0;
	}

	spin_lock_bh(&qp->rq_lock);
	for (; wr; wr = wr->next) {
		struct kiwi_rqe *rqe;

		if (qp->rq.hdr->prod - qp->rq.cons >= kiwi_ring_size(&qp->rq)) {
			ret = -ENOMEM;
			break;
		}
		rqe = kiwi_ring_entry(&qp->rq, qp->rq.hdr->prod);
		ret = kiwi_rqe_from_wr(rqe, wr, qp->max_recv_sge);
		if (ret)
			break;
		/* Publish the entry: pairs with kiwi_ring_avail(). */
		smp_store_release(&qp->rq.hdr->prod, qp->rq.hdr->prod + 1);
	}
	spin_unlock_bh(&qp->rq_lock);
	if (ret)
		*bad_wr = wr;
	if (READ_ONCE(qp->state) == KIWI_QPS_ERROR)
		kiwi_qp_error(qp);
	return ret;
}
