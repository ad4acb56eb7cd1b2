// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: the receiver.
 *
 * kiwi_rx_actor() is tcp_read_sock()'s actor.  It runs from the socket's
 * data_ready callback, in softirq context or from release_sock(), always
 * with the socket locked, so it is never re-entered for one QP.  Reading
 * in data_ready rather than from a work item saves a context switch per
 * message, which is most of the latency budget of a small Send; placement
 * never sleeps (the target pages are pinned, lookups are RCU), so nothing
 * forces a process context.
 *
 * The byte stream runs through a small state machine per FPDU: collect the
 * header (its length depends on the opcode), have the wire library parse
 * and validate it, check the target (STag, bounds and rights for tagged
 * messages; MSN, MO and a receive WR for untagged ones), copy the payload
 * straight from the skb into the target pages, then check pad and CRC.
 * Any violation sends a TERMINATE with the RFC's error code and stops the
 * receiver; nothing is written outside a checked target.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/highmem.h>
#include <linux/skbuff.h>

#include <kiwi/crc32c.h>
#include <kiwi/fpdu.h>

#include "kiwi.h"
#include "mem.h"
#include "qp.h"

void kiwi_rx_init(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;

	memset(rx, 0, sizeof(*rx));
	rx->state = KIWI_RX_HDR;
	rx->msn_send = 1;
	rx->msn_rreq = 1;
	rx->lim.max_ulpdu = U16_MAX;
	rx->lim.opcodes = KIWI_OPS_RFC5040;
	rx->crc = KIWI_CRC32C_SEED;
	kiwi_mkr_rx_init(&rx->mkr);
}

static void kiwi_rx_put_rqe_mrs(struct kiwi_rx *rx)
{
	unsigned int i;

	for (i = 0; i < KIWI_MAX_RECV_SGE; i++) {
		if (rx->rqe_mr[i])
			kiwi_mr_put(rx->rqe_mr[i]);
		rx->rqe_mr[i] = NULL;
	}
}

static void kiwi_rx_put_dst(struct kiwi_rx *rx)
{
	if (rx->dst_mr)
		kiwi_mr_put(rx->dst_mr);
	rx->dst_mr = NULL;
}

/**
 * kiwi_rx_release() - drop the receiver's references, flush its receive
 * @qp: the QP, in ERROR, with the socket callbacks detached
 *
 * A receive WR taken for a message that never finished completes with a
 * flush error, ahead of those still in the RQ.
 */
void kiwi_rx_release(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_cqe cqe = {};

	kiwi_rx_put_dst(rx);
	if (rx->recv_active) {
		cqe.wr_id = rx->rqe.wr_id;
		cqe.opcode = KIWI_CQE_RECV;
		cqe.status = KIWI_WC_WR_FLUSH_ERR;
		kiwi_qp_recv_cqe(qp, &cqe);
		rx->recv_active = false;
	}
	kiwi_rx_put_rqe_mrs(rx);
	rx->state = KIWI_RX_STOP;
}

/* Stop receiving and tell the peer why. */
static void kiwi_rx_fail(struct kiwi_qp *qp, enum kiwi_wire_err err)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_term_code code;

	kiwi_wire_err_code(err, &code);
	kiwi_dbg_qp(qp, "receive error %s\n", kiwi_wire_err_name(err));
	rx->state = KIWI_RX_STOP;
	kiwi_qp_terminate(qp, &code, rx->hdr, rx->hdr_got);
}

static enum kiwi_wire_err kiwi_tagged_err(enum kiwi_mr_err e)
{
	switch (e) {
	case KIWI_MR_ERR_STAG:
		return KIWI_WERR_DDP_T_STAG;
	case KIWI_MR_ERR_PD:
		return KIWI_WERR_DDP_T_STAG_STREAM;
	case KIWI_MR_ERR_ACCESS:
		return KIWI_WERR_RDMAP_ACCESS;
	case KIWI_MR_ERR_WRAP:
		return KIWI_WERR_DDP_T_TO_WRAP;
	default:
		return KIWI_WERR_DDP_T_BOUNDS;
	}
}

static enum kiwi_wire_err kiwi_rreq_err(enum kiwi_mr_err e)
{
	switch (e) {
	case KIWI_MR_ERR_STAG:
		return KIWI_WERR_RDMAP_STAG;
	case KIWI_MR_ERR_PD:
		return KIWI_WERR_RDMAP_STAG_STREAM;
	case KIWI_MR_ERR_ACCESS:
		return KIWI_WERR_RDMAP_ACCESS;
	case KIWI_MR_ERR_WRAP:
		return KIWI_WERR_RDMAP_TO_WRAP;
	default:
		return KIWI_WERR_RDMAP_BOUNDS;
	}
}

/* An RDMA Write segment: check the target once per FPDU. */
static enum kiwi_wire_err kiwi_rx_write(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_fpdu_hdr *fh = &rx->fh;
	enum kiwi_mr_err e;

	/*
	 * Rights come from the MR alone: rdma_cm never sets QP access
	 * flags on the active side of an iWARP connection, and iWARP
	 * RNICs do not gate remote access per QP.
	 */
	if (!fh->payload_len)
		return KIWI_WERR_NONE;
	/* Segments of one Write, and consecutive Writes, share the STag. */
	e = kiwi_mr_lookup_cached(qp->kdev, fh->stag, qp->ibqp.pd, fh->to,
				  fh->payload_len, KIWI_ACC_REMOTE_WRITE,
				  &rx->dst_mr);
	if (e) {
		kiwi_dbg_qp(qp, "write to stag 0x%x to 0x%llx len %u: error %d\n",
			    fh->stag, fh->to, fh->payload_len, e);
		return kiwi_tagged_err(e);
	}
	rx->dst_addr = fh->to;
	return KIWI_WERR_NONE;
}

/* A Read Response segment must continue the oldest outstanding Read. */
static enum kiwi_wire_err kiwi_rx_read_resp(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_fpdu_hdr *fh = &rx->fh;
	struct kiwi_orq_entry *o;
	enum kiwi_wire_err err = KIWI_WERR_NONE;

	spin_lock(&qp->rdma_lock);
	if (qp->orq_head == qp->orq_tail) {
		err = KIWI_WERR_DDP_T_STAG;
		goto out;
	}
	o = &qp->orq[qp->orq_head & (qp->ord - 1)];
	if (fh->payload_len > o->len - o->got) {
		err = KIWI_WERR_DDP_T_BOUNDS;
		goto out;
	}
	if (fh->payload_len &&
	    (fh->stag != o->sink_stag || fh->to != o->sink_to + o->got)) {
		err = fh->stag != o->sink_stag ? KIWI_WERR_DDP_T_STAG :
						 KIWI_WERR_DDP_T_BOUNDS;
		goto out;
	}
	rx->dst_addr = fh->to;
out:
	spin_unlock(&qp->rdma_lock);
	return err;
}

/* The oldest Read got its last byte: complete it. */
static enum kiwi_wire_err kiwi_rx_read_done(struct kiwi_qp *qp)
{
	struct kiwi_orq_entry o;

	spin_lock(&qp->rdma_lock);
	o = qp->orq[qp->orq_head & (qp->ord - 1)];
	qp->orq[qp->orq_head & (qp->ord - 1)].mr = NULL;
	qp->orq_head++;
	spin_unlock(&qp->rdma_lock);

	if (o.mr)
		kiwi_mr_put(o.mr);
	if (o.got != o.len)
		return KIWI_WERR_DDP_T_BOUNDS;
	if (o.sq_idx != U32_MAX) {
		u8 status = KIWI_WC_SUCCESS;

		if (o.inv && kiwi_mr_invalidate(qp->kdev, o.sink_stag,
						qp->ibqp.pd, false))
			status = KIWI_WC_LOC_PROT_ERR;
		kiwi_qp_sq_done(qp, o.sq_idx, status);
	}
	/* A Read slot is free; a fenced or ORD-limited WR may go. */
	kiwi_tx_kick(qp);
	return KIWI_WERR_NONE;
}

/* An inbound Read Request: check the source, queue the response. */
static enum kiwi_wire_err kiwi_rx_read_req(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	const struct kiwi_read_req *rr = &rx->fh.u.rreq;
	struct kiwi_irq_entry e = {};
	enum kiwi_mr_err me;

	if (rx->fh.msn != rx->msn_rreq)
		return KIWI_WERR_DDP_U_MSN_RANGE;
	if (rr->size > KIWI_MAX_MSG_SIZE)
		return KIWI_WERR_RDMAP_BOUNDS;
	if (rr->size) {
		me = kiwi_mr_lookup(qp->kdev, rr->src_stag, qp->ibqp.pd,
				    rr->src_to, rr->size, KIWI_ACC_REMOTE_READ,
				    &e.mr);
		if (me)
			return kiwi_rreq_err(me);
	}
	e.sink_stag = rr->sink_stag;
	e.sink_to = rr->sink_to;
	e.len = rr->size;
	e.src_to = rr->src_to;

	spin_lock(&qp->rdma_lock);
	if (qp->irq_tail - qp->irq_head >= qp->ird) {
		spin_unlock(&qp->rdma_lock);
		if (e.mr)
			kiwi_mr_put(e.mr);
		/* More Reads in flight than the IRD we granted. */
		return KIWI_WERR_DDP_U_MSN_NOBUF;
	}
	qp->irq[qp->irq_tail & (qp->ird - 1)] = e;
	/* The transmitter looks at it without the lock (tx.c). */
	WRITE_ONCE(qp->irq_tail, qp->irq_tail + 1);
	spin_unlock(&qp->rdma_lock);
	rx->msn_rreq++;
	kiwi_tx_kick(qp);
	return KIWI_WERR_NONE;
}

/*
 * Take a receive WR for a new Send and check all its SGEs.  Applications
 * repost receive buffers of the same MR, so each SGE's MR stays cached
 * for the SGE of that position in the next receive WR.
 */
static enum kiwi_wire_err kiwi_rx_recv_start(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_cqe cqe = {};
	u64 total = 0;
	int i, ret;

	ret = kiwi_qp_get_rqe(qp, &rx->rqe);
	if (ret)
		return KIWI_WERR_DDP_U_MSN_NOBUF;
	rx->recv_active = true;
	rx->recv_got = 0;
	rx->sge_idx = 0;
	rx->sge_off = 0;
	if (rx->rqe.num_sge > qp->max_recv_sge) {
		ret = KIWI_WC_LOC_LEN_ERR;
		goto err;
	}
	for (i = 0; i < rx->rqe.num_sge; i++) {
		struct kiwi_sge *sge = &rx->rqe.sge[i];

		total += sge->length;
		if (!sge->length)
			continue;
		if (kiwi_mr_lookup_cached(qp->kdev, sge->lkey, qp->ibqp.pd,
					  sge->addr, sge->length,
					  KIWI_ACC_LOCAL_WRITE,
					  &rx->rqe_mr[i])) {
			ret = KIWI_WC_LOC_PROT_ERR;
			goto err;
		}
	}
	rx->recv_len = min_t(u64, total, KIWI_MAX_MSG_SIZE);
	return KIWI_WERR_NONE;

err:
	/* A bad receive WR is a local error: report it, then stop. */
	cqe.wr_id = rx->rqe.wr_id;
	cqe.opcode = KIWI_CQE_RECV;
	cqe.status = ret;
	rx->recv_active = false;
	kiwi_qp_recv_cqe(qp, &cqe);
	return KIWI_WERR_RDMAP_CATA_LOCAL;
}

/* A Send segment: MSN, MO and room in the receive WR. */
static enum kiwi_wire_err kiwi_rx_send(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_fpdu_hdr *fh = &rx->fh;
	enum kiwi_wire_err err;

	if (fh->msn != rx->msn_send)
		return KIWI_WERR_DDP_U_MSN_RANGE;
	/*
	 * RFC 6581: a zero-length Send as the initiator's ready-to-receive
	 * message is consumed by the RNIC, not by a receive WR.
	 */
	if (!rx->first_seen && qp->mpa.rtr == KIWI_MPA_RTR_SEND &&
	    !fh->payload_len && fh->last && !rx->recv_active) {
		rx->msn_send++;
		return KIWI_WERR_NONE;
	}
	if (!rx->recv_active) {
		if (fh->mo)
			return KIWI_WERR_DDP_U_MO;
		err = kiwi_rx_recv_start(qp);
		if (err)
			return err;
		rx->solicited = false;
		rx->inv = false;
	} else if (fh->mo != rx->recv_got) {
		return KIWI_WERR_DDP_U_MO;
	}
	if (fh->payload_len > rx->recv_len - rx->recv_got) {
		struct kiwi_cqe cqe = {
			.wr_id = rx->rqe.wr_id,
			.opcode = KIWI_CQE_RECV,
			.status = KIWI_WC_LOC_LEN_ERR,
		};

		rx->recv_active = false;
		kiwi_qp_recv_cqe(qp, &cqe);
		return KIWI_WERR_DDP_U_TOO_LONG;
	}
	if (fh->opcode == KIWI_OP_SEND_SE || fh->opcode == KIWI_OP_SEND_SE_INV)
		rx->solicited = true;
	if (fh->opcode == KIWI_OP_SEND_INV || fh->opcode == KIWI_OP_SEND_SE_INV) {
		rx->inv = true;
		rx->inv_stag = fh->inval_stag;
	}
	return KIWI_WERR_NONE;
}

/* The last segment of a Send arrived: complete the receive WR. */
static enum kiwi_wire_err kiwi_rx_send_done(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_cqe cqe = {
		.wr_id = rx->rqe.wr_id,
		.opcode = KIWI_CQE_RECV,
		.status = KIWI_WC_SUCCESS,
		.byte_len = rx->recv_got,
	};
	enum kiwi_wire_err err = KIWI_WERR_NONE;
	int ret;

	if (!rx->recv_active)
		return KIWI_WERR_NONE;
	if (rx->solicited)
		cqe.flags |= KIWI_CQE_F_SOLICITED;
	if (rx->inv) {
		ret = kiwi_mr_invalidate(qp->kdev, rx->inv_stag, qp->ibqp.pd,
					 true);
		if (ret) {
			cqe.status = KIWI_WC_REM_INV_REQ_ERR;
			err = ret == -EACCES ? KIWI_WERR_RDMAP_INVAL_PROT :
					       KIWI_WERR_RDMAP_INVAL_OP;
		} else {
			cqe.flags |= KIWI_CQE_F_WITH_INV;
			cqe.inv_rkey = rx->inv_stag;
		}
	}
	rx->recv_active = false;
	rx->msn_send++;
	if (kiwi_qp_recv_cqe(qp, &cqe))
		kiwi_qp_error(qp);
	return err;
}

/* A header is complete and valid: decide where the payload goes. */
static enum kiwi_wire_err kiwi_rx_fpdu_start(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;

	if (!rx->first_seen) {
		/* The initiator spoke: the responder may transmit now. */
		if (test_and_clear_bit(KIWI_QP_TX_GATED, &qp->flags))
			kiwi_tx_kick(qp);
	}
	switch (rx->fh.opcode) {
	case KIWI_OP_WRITE:
		return kiwi_rx_write(qp);
	case KIWI_OP_READ_RESP:
		return kiwi_rx_read_resp(qp);
	case KIWI_OP_READ_REQ:
		return kiwi_rx_read_req(qp);
	case KIWI_OP_SEND:
	case KIWI_OP_SEND_INV:
	case KIWI_OP_SEND_SE:
	case KIWI_OP_SEND_SE_INV:
		return kiwi_rx_send(qp);
	case KIWI_OP_TERMINATE:
		return KIWI_WERR_NONE;
	default:
		return KIWI_WERR_RDMAP_OPCODE;
	}
}

/* The FPDU passed its CRC check: finish what it completes. */
static enum kiwi_wire_err kiwi_rx_fpdu_end(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_term term;

	rx->first_seen = true;
	switch (rx->fh.opcode) {
	case KIWI_OP_READ_RESP:
		spin_lock(&qp->rdma_lock);
		qp->orq[qp->orq_head & (qp->ord - 1)].got += rx->fh.payload_len;
		spin_unlock(&qp->rdma_lock);
		return rx->fh.last ? kiwi_rx_read_done(qp) : KIWI_WERR_NONE;
	case KIWI_OP_SEND:
	case KIWI_OP_SEND_INV:
	case KIWI_OP_SEND_SE:
	case KIWI_OP_SEND_SE_INV:
		return rx->fh.last ? kiwi_rx_send_done(qp) : KIWI_WERR_NONE;
	case KIWI_OP_TERMINATE:
		/* The payload was collected into rx->trl's neighbour, hdr. */
		if (!kiwi_term_parse(rx->hdr + rx->fh.hdr_len,
				     rx->fh.payload_len, &term))
			qp->vendor_err = term.code.layer << 12 |
					 term.code.etype << 8 | term.code.ecode;
		pr_warn_ratelimited("qp %u: peer sent TERMINATE layer %u type %u code 0x%02x\n",
				    qp->ibqp.qp_num, term.code.layer,
				    term.code.etype, term.code.ecode);
		rx->state = KIWI_RX_STOP;
		kiwi_qp_event(qp, IB_EVENT_QP_FATAL);
		qp->term_sent = true;	/* answer with a graceful close */
		kiwi_qp_error(qp);
		return KIWI_WERR_NONE;
	default:
		return KIWI_WERR_NONE;
	}
}

/* Copy @n payload bytes from the skb into MR memory at @addr. */
static int kiwi_rx_copy(struct kiwi_qp *qp, struct kiwi_mr *mr, u64 addr,
			const struct sk_buff *skb, unsigned int off, u32 n)
{
	struct page *page;
	u32 pg_off, c;
	void *va;
	int ret;

	while (n) {
		c = kiwi_mr_page(mr, addr, &page, &pg_off);
		if (!c)
			return -EFAULT;
		c = min(c, n);
		va = kmap_local_page(page);
		ret = skb_copy_bits(skb, off, va + pg_off, c);
		if (!ret && qp->mpa.crc)
			qp->rx.crc = kiwi_crc32c_update(qp->rx.crc, va + pg_off,
							c);
		kunmap_local(va);
		if (ret)
			return ret;
		addr += c;
		off += c;
		n -= c;
	}
	return 0;
}

/* Place up to @n payload bytes.  Return: bytes placed or -errno. */
static int kiwi_rx_place(struct kiwi_qp *qp, const struct sk_buff *skb,
			 unsigned int off, u32 n)
{
	struct kiwi_rx *rx = &qp->rx;
	struct kiwi_orq_entry *o;
	struct kiwi_sge *sge;
	struct kiwi_mr *mr;
	u32 c;
	int ret;

	n = min(n, rx->data_left);
	switch (rx->fh.opcode) {
	case KIWI_OP_WRITE:
		ret = kiwi_rx_copy(qp, rx->dst_mr, rx->dst_addr, skb, off, n);
		rx->dst_addr += n;
		return ret ?: n;
	case KIWI_OP_READ_RESP:
		/* Only the receiver pops the ORQ, so the entry stays put. */
		o = &qp->orq[qp->orq_head & (qp->ord - 1)];
		ret = kiwi_rx_copy(qp, o->mr, rx->dst_addr, skb, off, n);
		rx->dst_addr += n;
		return ret ?: n;
	case KIWI_OP_TERMINATE:
		/* Kept after the header for kiwi_rx_fpdu_end(). */
		c = rx->fh.payload_len - rx->data_left;
		if (skb_copy_bits(skb, off, rx->hdr + rx->fh.hdr_len + c, n))
			return -EFAULT;
		if (qp->mpa.crc)
			rx->crc = kiwi_crc32c_update(rx->crc,
						     rx->hdr + rx->fh.hdr_len + c,
						     n);
		return n;
	default:
		break;
	}

	/* Send: scatter over the receive WR's SGEs. */
	c = 0;
	while (c < n) {
		u32 k;

		sge = &rx->rqe.sge[rx->sge_idx];
		if (rx->sge_off == sge->length) {
			rx->sge_idx++;
			rx->sge_off = 0;
			if (rx->sge_idx >= rx->rqe.num_sge)
				return -EFAULT;
			continue;
		}
		mr = rx->rqe_mr[rx->sge_idx];
		k = min(n - c, sge->length - rx->sge_off);
		ret = kiwi_rx_copy(qp, mr, sge->addr + rx->sge_off, skb,
				   off + c, k);
		if (ret)
			return ret;
		rx->sge_off += k;
		c += k;
	}
	rx->recv_got += n;
	return n;
}

/* After the header: start the FPDU's payload, or go to its trailer. */
static void kiwi_rx_hdr_done(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	enum kiwi_wire_err err;

	if (rx->fh.opcode == KIWI_OP_TERMINATE &&
	    rx->fh.hdr_len + rx->fh.payload_len > sizeof(rx->hdr)) {
		kiwi_rx_fail(qp, KIWI_WERR_RDMAP_MSG_LEN);
		return;
	}
	err = kiwi_rx_fpdu_start(qp);
	if (err) {
		kiwi_rx_fail(qp, err);
		return;
	}
	rx->data_left = rx->fh.payload_len;
	rx->trl_got = 0;
	rx->trl_len = kiwi_fpdu_pad(rx->fh.ulpdu_len) + KIWI_FPDU_CRC_SIZE;
	rx->state = rx->data_left ? KIWI_RX_DATA : KIWI_RX_TRAILER;
}

/*
 * Take what @skb has of the marker due at this stream position (RFC 5044
 * section 5).  It belongs to the FPDU being received, or, at a boundary,
 * to the one about to start: either way to the CRC running now.
 * Return: bytes taken, or -errno.
 */
static int kiwi_rx_marker(struct kiwi_qp *qp, const struct sk_buff *skb,
			  unsigned int off, size_t left)
{
	struct kiwi_rx *rx = &qp->rx;
	u8 buf[KIWI_MKR_LEN];
	size_t n = min_t(size_t, left, KIWI_MKR_LEN - rx->mkr.mlen);

	if (skb_copy_bits(skb, off, buf, n))
		return -EFAULT;
	if (qp->mpa.crc)
		rx->crc = kiwi_crc32c_update(rx->crc, buf, n);
	return kiwi_mkr_rx_marker(&rx->mkr, buf, n);
}

/* Copy header or trailer bytes; Return: 0 or -EFAULT. */
static int kiwi_rx_take(struct kiwi_qp *qp, const struct sk_buff *skb,
			unsigned int off, u8 *to, u32 n, u32 crc_n)
{
	if (skb_copy_bits(skb, off, to, n))
		return -EFAULT;
	if (qp->mpa.crc && crc_n)
		qp->rx.crc = kiwi_crc32c_update(qp->rx.crc, to, crc_n);
	return 0;
}

/* The trailer is complete: check the CRC and finish the FPDU. */
static void kiwi_rx_trailer_done(struct kiwi_qp *qp)
{
	struct kiwi_rx *rx = &qp->rx;
	u32 pad = rx->trl_len - KIWI_FPDU_CRC_SIZE;
	enum kiwi_wire_err err;

	/* The register already covers the pad and any marker after it. */
	if (qp->mpa.crc &&
	    kiwi_crc32c_final(rx->crc) != kiwi_crc32c_get(rx->trl + pad)) {
		kiwi_rx_fail(qp, KIWI_WERR_MPA_CRC);
		return;
	}
	err = kiwi_rx_fpdu_end(qp);
	if (err) {
		kiwi_rx_fail(qp, err);
		return;
	}
	if (rx->state == KIWI_RX_STOP)
		return;
	rx->hdr_got = 0;
	rx->crc = KIWI_CRC32C_SEED;
	if (qp->mpa.rx_markers)
		kiwi_mkr_rx_fpdu_start(&rx->mkr);
	rx->state = KIWI_RX_HDR;
}

/**
 * kiwi_rx_actor() - tcp_read_sock() actor: consume stream bytes
 * @desc: desc->arg.data is the QP
 * @skb: the data
 * @off: where to start in @skb
 * @len: bytes available
 *
 * With markers, the bytes between two of them are handed to the FPDU
 * state machine, and each marker is taken out of the stream on its own;
 * the CRC covers both in stream order.
 *
 * Context: softirq or process, socket locked.
 * Return: bytes consumed; always @len, since a stopped receiver drops
 * what follows an error.
 */
int kiwi_rx_actor(read_descriptor_t *desc, struct sk_buff *skb,
		  unsigned int off, size_t len)
{
	struct kiwi_qp *qp = desc->arg.data;
	struct kiwi_rx *rx = &qp->rx;
	size_t left = len, avail;
	u32 need, n = 0, pad;
	int ret;

	while (left && rx->state != KIWI_RX_STOP) {
		avail = left;
		if (qp->mpa.rx_markers) {
			n = kiwi_mkr_rx_room(&rx->mkr);
			if (!n) {
				ret = kiwi_rx_marker(qp, skb, off, left);
				if (ret == -EFAULT)
					goto fail_stream;
				if (ret < 0) {
					kiwi_rx_fail(qp, KIWI_WERR_MPA_MARKER);
					break;
				}
				off += ret;
				left -= ret;
				continue;
			}
			avail = min_t(size_t, avail, n);
		}
		switch (rx->state) {
		case KIWI_RX_HDR:
			need = kiwi_fpdu_hdr_need(rx->hdr, rx->hdr_got);
			n = min_t(size_t, need - rx->hdr_got, avail);
			if (kiwi_rx_take(qp, skb, off, rx->hdr + rx->hdr_got,
					 n, n))
				goto fail_stream;
			rx->hdr_got += n;
			if (rx->hdr_got < need)
				break;
			ret = kiwi_fpdu_hdr_parse(rx->hdr, rx->hdr_got, &rx->lim,
						  &rx->fh);
			if (ret == -EAGAIN)
				break;
			if (ret < 0) {
				kiwi_rx_fail(qp, rx->fh.err);
				break;
			}
			if (READ_ONCE(qp->state) != KIWI_QPS_RTS &&
			    READ_ONCE(qp->state) != KIWI_QPS_CLOSING) {
				rx->state = KIWI_RX_STOP;
				break;
			}
			kiwi_rx_hdr_done(qp);
			break;
		case KIWI_RX_DATA:
			ret = kiwi_rx_place(qp, skb, off, min_t(size_t, avail,
								rx->data_left));
			if (ret < 0)
				goto fail_local;
			n = ret;
			rx->data_left -= n;
			if (!rx->data_left)
				rx->state = KIWI_RX_TRAILER;
			break;
		case KIWI_RX_TRAILER:
			/* The pad goes into the CRC as it comes, the CRC not. */
			n = min_t(size_t, rx->trl_len - rx->trl_got, avail);
			pad = rx->trl_len - KIWI_FPDU_CRC_SIZE;
			if (kiwi_rx_take(qp, skb, off, rx->trl + rx->trl_got, n,
					 rx->trl_got < pad ?
					 min(n, pad - rx->trl_got) : 0))
				goto fail_stream;
			rx->trl_got += n;
			break;
		default:
			return len;
		}
		if (qp->mpa.rx_markers)
			kiwi_mkr_rx_advance(&rx->mkr, n);
		off += n;
		left -= n;
		/* After the advance: the next FPDU starts where this one ends. */
		if (rx->state == KIWI_RX_TRAILER && rx->trl_got == rx->trl_len)
			kiwi_rx_trailer_done(qp);
	}
	return len;

fail_local:
	kiwi_rx_fail(qp, KIWI_WERR_RDMAP_CATA_LOCAL);
	return len;
fail_stream:
	kiwi_rx_fail(qp, KIWI_WERR_MPA_TCP_LOST);
	return len;
}
