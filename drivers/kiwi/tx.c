// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: the transmitter.
 *
 * Whoever sets KIWI_QP_TX_BUSY owns the transmit state and runs this
 * code: the caller of post_send in process context (a kernel consumer, or
 * a process ringing the doorbell), the SQ poller thread, or the QP's
 * tx_work.  Anyone else who brings work sets KIWI_QP_TX_AGAIN, and the
 * owner loops before it lets go, so no kick is lost.
 *
 * Messages are cut into FPDUs no longer than the connection's MSS allows
 * (RFC 5044 section 6), and up to 64 KiB of FPDUs go to TCP in one
 * sendmsg() of a bio_vec array: headers and trailers from the QP's own
 * buffers, payload straight from the registered pages.  TCP copies the
 * payload, and its GSO still builds large segments; since FPDUs are sized
 * to the MSS they stay aligned with TCP segments.  When both ends are
 * kiwi and agreed to it at MPA time (mpa_big, include/kiwi/mpa.h), FPDUs
 * grow to 64 KiB instead: fewer headers to build, parse and checksum,
 * and the receiver, which places data as it streams in, never needed
 * them aligned.
 *
 * A message counts as sent, and a Send or Write completes, once TCP has
 * accepted its last byte.  A Read completes when its response has arrived
 * (rx.c).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/highmem.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <kiwi/crc32c.h>
#include <kiwi/fpdu.h>

#include "cm.h"
#include "kiwi.h"
#include "kiwi_kunit.h"
#include "mem.h"
#include "qp.h"

/*
 * Pieces an FPDU needs besides its payload (header and trailer, each
 * possibly split at a page boundary), and the least payload room worth
 * starting an FPDU for: a piece per SGE boundary plus one page.
 */
#define KIWI_TX_HT_VECS		4
#define KIWI_TX_FPDU_VECS	(KIWI_TX_HT_VECS + KIWI_MAX_SEND_SGE + 2)

/* Context: process. */
int kiwi_tx_init(struct kiwi_qp *qp)
{
	if (!qp->tx) {
		qp->tx = kzalloc(sizeof(*qp->tx), GFP_KERNEL);
		if (!qp->tx)
			return -ENOMEM;
	}
	if (qp->tx->zc_frag.page)
		put_page(qp->tx->zc_frag.page);
	if (qp->tx->mr_cache)
		kiwi_mr_put(qp->tx->mr_cache);
	memset(qp->tx, 0, sizeof(*qp->tx));
	qp->tx->msn_send = 1;
	qp->tx->msn_rreq = 1;
	qp->tx->msn_term = 1;
	kiwi_mkr_tx_init(&qp->tx->mkr);
	return 0;
}

static void kiwi_put_mrs(struct kiwi_mr **mr, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (mr[i]) {
			kiwi_mr_put(mr[i]);
			mr[i] = NULL;
		}
	}
}

/* The batch is sent: TCP holds its own references to the copy pages. */
static void kiwi_tx_zc_unref(struct kiwi_tx_batch *b)
{
	while (b->nzc_page)
		put_page(b->zc_page[--b->nzc_page]);
}

/**
 * kiwi_tx_release() - drop every reference the transmitter holds
 * @qp: the QP; the caller owns the transmitter and the QP is in ERROR
 *
 * WRs taken from the SQ but not finished stay in the SQ slots, where the
 * flush completes them.
 */
void kiwi_tx_release(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	unsigned int i;

	if (tx) {
		for (i = 0; i < tx->batch.ndone; i++)
			kiwi_put_mrs(tx->batch.done[i].mr, KIWI_MAX_SEND_SGE);
		tx->batch.ndone = 0;
		tx->batch.nvec = 0;
		tx->batch.len = 0;
		tx->batch.sent = 0;
		tx->batch.nfpdu = 0;
		/* Its WRs are left for the flush as well. */
		if (tx->batch.zc) {
			kiwi_zc_put(tx->batch.zc);
			tx->batch.zc = NULL;
		}
		kiwi_tx_zc_unref(&tx->batch);
		kiwi_put_mrs(tx->wqe.mr, KIWI_MAX_SEND_SGE);
		if (tx->wqe.reg_mr) {
			kiwi_mr_put(tx->wqe.reg_mr);
			tx->wqe.reg_mr = NULL;
		}
		if (tx->kind == KIWI_TX_READ_RESP && tx->rresp.mr)
			kiwi_mr_put(tx->rresp.mr);
		tx->kind = KIWI_TX_NONE;
		if (tx->mr_cache) {
			kiwi_mr_put(tx->mr_cache);
			tx->mr_cache = NULL;
		}
	}

	spin_lock_bh(&qp->rdma_lock);
	for (; qp->orq && qp->orq_head != qp->orq_tail; qp->orq_head++) {
		struct kiwi_orq_entry *o = &qp->orq[qp->orq_head & (qp->ord - 1)];

		if (o->mr)
			kiwi_mr_put(o->mr);
		o->mr = NULL;
	}
	for (; qp->irq && qp->irq_head != qp->irq_tail; qp->irq_head++) {
		struct kiwi_irq_entry *e = &qp->irq[qp->irq_head & (qp->ird - 1)];

		if (e->mr)
			kiwi_mr_put(e->mr);
		e->mr = NULL;
	}
	spin_unlock_bh(&qp->rdma_lock);
}

/**
 * kiwi_tx_free() - free the transmitter of a QP being destroyed
 * @qp: the QP, released by everyone else
 */
void kiwi_tx_free(struct kiwi_qp *qp)
{
	if (qp->tx && qp->tx->zc_frag.page)
		put_page(qp->tx->zc_frag.page);
	if (qp->tx && qp->tx->mr_cache)
		kiwi_mr_put(qp->tx->mr_cache);
	kfree(qp->tx);
	qp->tx = NULL;
}

/* Add kernel memory (possibly crossing pages) to the batch. */
static void kiwi_tx_add_kva(struct kiwi_tx_batch *b, const void *p, u32 len)
{
	while (len) {
		u32 off = offset_in_page(p);
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		struct bio_vec *v = &b->vec[b->nvec++];

		v->bv_page = virt_to_page(p);
		v->bv_offset = off;
		v->bv_len = n;
		b->len += n;
		p += n;
		len -= n;
	}
}

static void kiwi_tx_add_page(struct kiwi_tx_batch *b, struct page *page,
			     u32 off, u32 len)
{
	struct bio_vec *v = &b->vec[b->nvec++];

	v->bv_page = page;
	v->bv_offset = off;
	v->bv_len = len;
	b->len += len;
}

/*
 * Fold @len bytes at @off in @page into the CRC register.  The page is
 * either registered memory or the kernel's own (headers, trailers).
 */
static void kiwi_tx_crc_page(u32 *crc, struct page *page, u32 off, u32 len)
{
	void *va = kmap_local_page(page);

	*crc = kiwi_crc32c_update(*crc, va + off, len);
	kunmap_local(va);
}

/* Insert the marker that is due, covered by the CRC if one is given. */
static void kiwi_tx_marker(struct kiwi_tx *tx, u32 *crc)
{
	struct kiwi_tx_batch *b = &tx->batch;
	u8 *m = b->mkr[b->nmkr++];

	kiwi_mkr_tx_marker(&tx->mkr, m);
	kiwi_tx_add_kva(b, m, KIWI_MKR_LEN);
	if (crc)
		*crc = kiwi_crc32c_update(*crc, m, KIWI_MKR_LEN);
}

/*
 * Add @len FPDU bytes at @off in @page to the batch, and to the CRC
 * register if one is given.  When the peer asked for markers, the ones
 * due among these bytes go in as well, in stream order; a marker due
 * after the last of them waits for the next byte, so one that falls on an
 * FPDU boundary goes out with (and is covered by) the FPDU it precedes.
 */
static void kiwi_tx_emit_page(struct kiwi_qp *qp, struct page *page, u32 off,
			      u32 len, u32 *crc)
{
	struct kiwi_tx *tx = qp->tx;
	u32 n;

	while (len) {
		n = len;
		if (qp->mpa.tx_markers) {
			u32 room = kiwi_mkr_tx_room(&tx->mkr);

			if (!room) {
				kiwi_tx_marker(tx, crc);
				continue;
			}
			n = min(n, room);
			kiwi_mkr_tx_advance(&tx->mkr, n);
		}
		kiwi_tx_add_page(&tx->batch, page, off, n);
		if (crc)
			kiwi_tx_crc_page(crc, page, off, n);
		off += n;
		len -= n;
	}
}

/* kiwi_tx_emit_page() for kernel memory, possibly crossing pages. */
static void kiwi_tx_emit_kva(struct kiwi_qp *qp, const void *p, u32 len,
			     u32 *crc)
{
	while (len) {
		u32 off = offset_in_page(p);
		u32 n = min_t(u32, len, PAGE_SIZE - off);

		kiwi_tx_emit_page(qp, virt_to_page(p), off, n, crc);
		p += n;
		len -= n;
	}
}

/*
 * Pieces the batch must have left to start an FPDU.  With markers, each
 * one costs a piece of its own and may split another, and the FPDU's
 * payload room shrinks to what its markers leave (kiwi_tx_frame()).
 */
static unsigned int kiwi_tx_fpdu_vecs(const struct kiwi_qp *qp)
{
	return KIWI_TX_FPDU_VECS + (qp->mpa.tx_markers ? 10 : 0);
}

static bool kiwi_tx_batch_room(const struct kiwi_qp *qp)
{
	const struct kiwi_tx_batch *b = &qp->tx->batch;

	return b->nfpdu < KIWI_TX_BATCH_FPDUS &&
	       b->nvec + kiwi_tx_fpdu_vecs(qp) <= KIWI_TX_BATCH_VECS &&
	       b->len < KIWI_TX_BATCH_BYTES &&
	       b->ndone < KIWI_TX_BATCH_MSGS;
}

/*
 * Payload of the current SQ WR: gather @len bytes from its SGEs (or its
 * inline data) into the batch, folding them into the CRC if asked.
 */
static int kiwi_tx_gather(struct kiwi_qp *qp, u32 len, u32 *crc)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_batch *b = &tx->batch;
	struct kiwi_wqe *w = &tx->wqe;
	struct page *page;
	u32 pg_off, n;

	if (w->flags & KIWI_SQE_INLINE) {
		/*
		 * Inline messages fit one FPDU.  The batch keeps its own
		 * copy: the next WR overwrites w->inline_data before the
		 * batch reaches TCP.
		 */
		u8 *inl = b->inl[b->ndone] + tx->off;

		memcpy(inl, w->inline_data + tx->off, len);
		kiwi_tx_emit_kva(qp, inl, len, crc);
		return 0;
	}
	while (len) {
		struct kiwi_sge *sge = &w->sge[tx->sge_idx];

		if (tx->sge_off == sge->length) {
			tx->sge_idx++;
			tx->sge_off = 0;
			continue;
		}
		n = kiwi_mr_page(w->mr[tx->sge_idx], sge->addr + tx->sge_off,
				 &page, &pg_off);
		if (!n || b->nvec == KIWI_TX_BATCH_VECS)
			return -EFAULT;
		n = min3(n, len, sge->length - tx->sge_off);
		kiwi_tx_emit_page(qp, page, pg_off, n, crc);
		tx->sge_off += n;
		len -= n;
	}
	return 0;
}

/* Payload of a Read Response, from the source MR. */
static int kiwi_tx_gather_rresp(struct kiwi_qp *qp, u32 len, u32 *crc)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_batch *b = &tx->batch;
	u64 addr = tx->rresp.src_to + tx->off;
	struct page *page;
	u32 pg_off, n;

	while (len) {
		n = kiwi_mr_page(tx->rresp.mr, addr, &page, &pg_off);
		if (!n || b->nvec == KIWI_TX_BATCH_VECS)
			return -EFAULT;
		n = min(n, len);
		kiwi_tx_emit_page(qp, page, pg_off, n, crc);
		addr += n;
		len -= n;
	}
	return 0;
}

/*
 * Frame one FPDU of the current message into the batch.
 * Return: 1 if it was the message's last, 0 if more follow, or -errno.
 */
static int kiwi_tx_frame(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_batch *b = &tx->batch;
	struct kiwi_fpdu_hdr h = {};
	const struct kiwi_opcode_info *oi;
	u8 *hbuf = b->hdr[b->nfpdu];
	u8 *tbuf = b->trl[b->nfpdu], *trl;
	u32 total, len, room, avail, pad, tlen, crc = KIWI_CRC32C_SEED;
	u32 *crcp = qp->mpa.crc ? &crc : NULL;
	int hlen, ret;

	switch (tx->kind) {
	case KIWI_TX_SQ:
		total = tx->wqe.length;
		switch (tx->wqe.opcode) {
		case KIWI_WR_WRITE:
			h.opcode = KIWI_OP_WRITE;
			h.stag = tx->wqe.rkey;
			h.to = tx->wqe.remote_addr + tx->off;
			break;
		case KIWI_WR_SEND_INV:
			h.opcode = tx->wqe.flags & KIWI_SQE_SOLICITED ?
				   KIWI_OP_SEND_SE_INV : KIWI_OP_SEND_INV;
			h.inval_stag = tx->wqe.inv_rkey;
			h.msn = tx->msn_send;
			h.mo = tx->off;
			break;
		case KIWI_WR_READ:
		case KIWI_WR_READ_INV:
			h.opcode = KIWI_OP_READ_REQ;
			h.msn = tx->msn_rreq;
			h.u.rreq.sink_stag = tx->wqe.num_sge ?
					     tx->wqe.sge[0].lkey : 0;
			h.u.rreq.sink_to = tx->wqe.num_sge ?
					   tx->wqe.sge[0].addr : 0;
			h.u.rreq.size = tx->wqe.length;
			h.u.rreq.src_stag = tx->wqe.rkey;
			h.u.rreq.src_to = tx->wqe.remote_addr;
			total = 0;
			break;
		default:
			h.opcode = tx->wqe.flags & KIWI_SQE_SOLICITED ?
				   KIWI_OP_SEND_SE : KIWI_OP_SEND;
			h.msn = tx->msn_send;
			h.mo = tx->off;
			break;
		}
		break;
	case KIWI_TX_READ_RESP:
		total = tx->rresp.len;
		h.opcode = KIWI_OP_READ_RESP;
		h.stag = tx->rresp.sink_stag;
		h.to = tx->rresp.sink_to + tx->off;
		break;
	case KIWI_TX_TERM:
		total = tx->term_len;
		h.opcode = KIWI_OP_TERMINATE;
		h.msn = tx->msn_term;
		break;
	case KIWI_TX_RTR:
		total = 0;
		switch (qp->mpa.rtr) {
		case KIWI_MPA_RTR_WRITE:
			h.opcode = KIWI_OP_WRITE;
			break;
		case KIWI_MPA_RTR_READ:
			h.opcode = KIWI_OP_READ_REQ;
			h.msn = tx->msn_rreq;
			break;
		default:
			h.opcode = KIWI_OP_SEND;
			h.msn = tx->msn_send;
			break;
		}
		break;
	default:
		return -EINVAL;
	}

	oi = kiwi_opcode_lookup(h.opcode);
	room = tx->max_ulpdu - (oi->hdr_len - KIWI_FPDU_LEN_SIZE);
	/*
	 * Payload pieces: at most one per page plus one per SGE boundary;
	 * cut the FPDU short rather than overflow the vector.  A marker
	 * costs at most two pieces (itself, and the one it splits) per 508
	 * content bytes; the header and the trailer may hold one each, and
	 * the trailer's pad and CRC become pieces of their own.  So with
	 * markers, every 508 payload bytes may cost three pieces, beyond
	 * eight that kiwi_tx_fpdu_vecs() keeps for the rest (five would do).
	 */
	avail = KIWI_TX_BATCH_VECS - b->nvec - KIWI_TX_FPDU_VECS + 1;
	if (qp->mpa.tx_markers)
		room = min_t(u32, room, (avail - 8) / 3 *
					(KIWI_MKR_INTERVAL - KIWI_MKR_LEN));
	else
		room = min_t(u32, room, avail * PAGE_SIZE);
	len = min(total - tx->off, room);
	h.payload_len = len;
	h.last = tx->off + len == total;
	hlen = kiwi_fpdu_hdr_build(hbuf, KIWI_TX_HDR_SLOT, &h);
	if (hlen < 0)
		return hlen;
	if (qp->mpa.tx_markers)
		kiwi_mkr_tx_fpdu_start(&tx->mkr);
	kiwi_tx_emit_kva(qp, hbuf, hlen, crcp);

	switch (tx->kind) {
	case KIWI_TX_SQ:
		ret = len ? kiwi_tx_gather(qp, len, crcp) : 0;
		break;
	case KIWI_TX_READ_RESP:
		ret = len ? kiwi_tx_gather_rresp(qp, len, crcp) : 0;
		break;
	case KIWI_TX_TERM:
		kiwi_tx_emit_kva(qp, tx->term_buf, len, crcp);
		ret = 0;
		break;
	default:
		ret = 0;
		break;
	}
	if (ret)
		return ret;

	/*
	 * Pad, then the CRC over everything before it.  A marker due right
	 * before the CRC field is part of this FPDU and of its CRC; without
	 * markers, pad and CRC go out as one piece.
	 */
	pad = kiwi_fpdu_pad(hlen - KIWI_FPDU_LEN_SIZE + len);
	memset(tbuf, 0, pad);
	if (crcp)
		crc = kiwi_crc32c_update(crc, tbuf, pad);
	trl = tbuf;
	tlen = pad + KIWI_FPDU_CRC_SIZE;
	if (qp->mpa.tx_markers) {
		kiwi_tx_emit_kva(qp, tbuf, pad, NULL);
		if (!kiwi_mkr_tx_room(&tx->mkr))
			kiwi_tx_marker(tx, crcp);
		trl += pad;
		tlen -= pad;
	}
	if (crcp)
		kiwi_crc32c_put(tbuf + pad, kiwi_crc32c_final(crc));
	else
		memset(tbuf + pad, 0, KIWI_FPDU_CRC_SIZE);
	kiwi_tx_emit_kva(qp, trl, tlen, NULL);
	b->nfpdu++;
	tx->off += len;
	return h.last;
}

static u8 kiwi_tx_status(enum kiwi_mr_err err)
{
	return err == KIWI_MR_ERR_BOUNDS || err == KIWI_MR_ERR_WRAP ?
	       KIWI_WC_LOC_LEN_ERR : KIWI_WC_LOC_PROT_ERR;
}

/*
 * Validate a WR copied out of the SQ and take references on its MRs.
 * Return: KIWI_WC_SUCCESS or the error status to complete it with.
 */
VISIBLE_IF_KUNIT u8 kiwi_tx_prepare(struct kiwi_qp *qp,
				    const struct kiwi_sqe *sqe, u32 idx)
{
	struct kiwi_wqe *w = &qp->tx->wqe;
	struct ib_pd *pd = qp->ibqp.pd;
	enum kiwi_access acc;
	enum kiwi_mr_err err;
	u64 total = 0;
	u32 i;

	memset(w, 0, offsetof(struct kiwi_wqe, sge));
	w->sq_idx = idx;
	w->opcode = sqe->opcode;
	w->flags = sqe->flags;
	if (w->flags & ~KIWI_SQE_FLAGS_ALL)
		return KIWI_WC_LOC_QP_OP_ERR;

	switch (w->opcode) {
	case KIWI_WR_SEND:
	case KIWI_WR_SEND_INV:
	case KIWI_WR_WRITE:
	case KIWI_WR_READ:
		break;
	case KIWI_WR_LOCAL_INV:
	case KIWI_WR_REG_MR:
	case KIWI_WR_READ_INV:
		/* Fast registration is for kernel consumers. */
		if (qp->user)
			return KIWI_WC_LOC_QP_OP_ERR;
		break;
	default:
		return KIWI_WC_LOC_QP_OP_ERR;
	}
	w->inv_rkey = sqe->inv_rkey;
	w->remote_addr = sqe->remote_addr;
	w->rkey = sqe->rkey;

	if (w->opcode == KIWI_WR_LOCAL_INV)
		return 0;
	if (w->opcode == KIWI_WR_REG_MR) {
		/* Kernel ring: sge[0] carries the MR, the key, the rights. */
		w->reg_mr = (struct kiwi_mr *)(uintptr_t)sqe->sge[0].addr;
		w->reg_key = sqe->sge[0].lkey;
		w->reg_access = sqe->sge[0].length;
		return 0;
	}

	if (w->flags & KIWI_SQE_INLINE) {
		if (w->opcode == KIWI_WR_READ || w->opcode == KIWI_WR_READ_INV ||
		    sqe->inline_len > qp->max_inline)
			return KIWI_WC_LOC_LEN_ERR;
		w->length = sqe->inline_len;
		memcpy(w->inline_data, sqe->inline_data, w->length);
		return 0;
	}

	w->num_sge = sqe->num_sge;
	if (w->num_sge > qp->max_send_sge ||
	    ((w->opcode == KIWI_WR_READ || w->opcode == KIWI_WR_READ_INV) &&
	     w->num_sge > KIWI_MAX_SGE_RD))
		return KIWI_WC_LOC_LEN_ERR;
	acc = w->opcode == KIWI_WR_READ || w->opcode == KIWI_WR_READ_INV ?
	      KIWI_ACC_LOCAL_WRITE : KIWI_ACC_LOCAL_READ;
	for (i = 0; i < w->num_sge; i++) {
		w->sge[i] = sqe->sge[i];
		total += w->sge[i].length;
		if (total > KIWI_MAX_MSG_SIZE)
			return KIWI_WC_LOC_LEN_ERR;
		if (!w->sge[i].length)
			continue;
		err = kiwi_mr_lookup_cached(qp->kdev, w->sge[i].lkey, pd,
					    w->sge[i].addr, w->sge[i].length,
					    acc, &qp->tx->mr_cache);
		if (err)
			return kiwi_tx_status(err);
		w->mr[i] = qp->tx->mr_cache;
		kiwi_mr_hold(w->mr[i]);
	}
	w->length = total;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_tx_prepare);

/* Execute a local WR (no wire traffic) and complete it. */
static void kiwi_tx_local(struct kiwi_qp *qp)
{
	struct kiwi_wqe *w = &qp->tx->wqe;
	u8 status = KIWI_WC_SUCCESS;

	if (w->opcode == KIWI_WR_LOCAL_INV) {
		if (kiwi_mr_invalidate(qp->kdev, w->inv_rkey, qp->ibqp.pd,
				       false))
			status = KIWI_WC_LOC_PROT_ERR;
	} else if (w->reg_mr->ibmr.pd != qp->ibqp.pd ||
		   kiwi_mr_fast_reg(w->reg_mr, w->reg_key, w->reg_access)) {
		status = KIWI_WC_LOC_PROT_ERR;
	}
	w->reg_mr = NULL;
	kiwi_qp_sq_done(qp, w->sq_idx, status);
	if (status)
		kiwi_qp_error(qp);
}

VISIBLE_IF_KUNIT bool kiwi_orq_full(struct kiwi_qp *qp)
{
	/*
	 * The agreed ORD, not the queue's size (a power of two): the peer
	 * has room for exactly that many Read Requests.
	 */
	return qp->orq_tail - qp->orq_head >= max_t(u32, qp->mpa.ord, 1);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_orq_full);

/* Queue the Read we are about to request, so its response can land. */
static void kiwi_tx_orq_push(struct kiwi_qp *qp, bool rtr)
{
	struct kiwi_wqe *w = &qp->tx->wqe;
	struct kiwi_orq_entry *o;

	spin_lock_bh(&qp->rdma_lock);
	o = &qp->orq[qp->orq_tail & (qp->ord - 1)];
	memset(o, 0, sizeof(*o));
	if (rtr) {
		o->sq_idx = U32_MAX;
	} else {
		o->sq_idx = w->sq_idx;
		o->len = w->length;
		o->inv = w->opcode == KIWI_WR_READ_INV;
		if (w->num_sge) {
			o->sink_stag = w->sge[0].lkey;
			o->sink_to = w->sge[0].addr;
			/* The ORQ entry now owns the sink MR reference. */
			o->mr = w->mr[0];
			w->mr[0] = NULL;
		}
	}
	qp->orq_tail++;
	spin_unlock_bh(&qp->rdma_lock);
}

/*
 * Pick the next message to send.
 * Return: true if tx->kind now describes one.
 */
static bool kiwi_tx_next(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	enum kiwi_qp_state state;
	struct kiwi_sqe sqe;
	bool stall;
	int avail;
	u32 idx;
	u8 status;

	for (;;) {
		state = READ_ONCE(qp->state);
		/*
		 * Fully ordered: tx->term is visible once the bit is.  The
		 * plain test first spares the locked operation when clear;
		 * whoever sets it kicks the transmitter afterwards.
		 */
		if (test_bit(KIWI_QP_TERM_PENDING, &qp->flags) &&
		    test_and_clear_bit(KIWI_QP_TERM_PENDING, &qp->flags)) {
			tx->term_len = kiwi_term_build(tx->term_buf,
						       sizeof(tx->term_buf),
						       &tx->term);
			if ((int)tx->term_len < 0)
				tx->term_len = 0;
			tx->kind = KIWI_TX_TERM;
			tx->off = 0;
			return true;
		}
		/* While closing in order, the peer's Reads still get answers. */
		if ((state != KIWI_QPS_RTS && state != KIWI_QPS_CLOSING) ||
		    test_bit(KIWI_QP_TX_GATED, &qp->flags))
			return false;
		if (state == KIWI_QPS_RTS &&
		    test_bit(KIWI_QP_RTR_PENDING, &qp->flags) &&
		    test_and_clear_bit(KIWI_QP_RTR_PENDING, &qp->flags)) {
			if (qp->mpa.rtr == KIWI_MPA_RTR_READ)
				kiwi_tx_orq_push(qp, true);
			tx->kind = KIWI_TX_RTR;
			tx->off = 0;
			return true;
		}

		/*
		 * Read Responses go first: the peer waits on them.  The
		 * look without the lock spares it when there are none; a
		 * Read Request queued after it kicks us again (rx.c).
		 */
		if (READ_ONCE(qp->irq_tail) != READ_ONCE(qp->irq_head)) {
			spin_lock_bh(&qp->rdma_lock);
			if (qp->irq_head != qp->irq_tail) {
				struct kiwi_irq_entry *e =
					&qp->irq[qp->irq_head & (qp->ird - 1)];

				tx->rresp = *e;
				e->mr = NULL;
				qp->irq_head++;
				spin_unlock_bh(&qp->rdma_lock);
				tx->kind = KIWI_TX_READ_RESP;
				tx->off = 0;
				return true;
			}
			spin_unlock_bh(&qp->rdma_lock);
		}
		if (state != KIWI_QPS_RTS)
			return false;
		/* Nothing new, as a lockless look can tell; posting kicks. */
		if (READ_ONCE(qp->sq.hdr->prod) == READ_ONCE(qp->sq_next))
			return false;

		spin_lock_bh(&qp->sq_lock);
		/* Acquire: pairs with the producer's release of prod. */
		avail = smp_load_acquire(&qp->sq.hdr->prod) - qp->sq.cons;
		if (avail < 0 || avail > kiwi_ring_size(&qp->sq)) {
			spin_unlock_bh(&qp->sq_lock);
			/* A scribbled producer index: only this QP suffers. */
			kiwi_qp_error(qp);
			return false;
		}
		if (qp->sq.cons + avail == qp->sq_next) {
			spin_unlock_bh(&qp->sq_lock);
			return false;
		}
		/* One read of the shared entry; only the copy is used. */
		memcpy(&sqe, kiwi_ring_entry(&qp->sq, qp->sq_next), sizeof(sqe));
		stall = false;
		if (sqe.opcode == KIWI_WR_READ ||
		    sqe.opcode == KIWI_WR_READ_INV ||
		    (sqe.flags & KIWI_SQE_FENCE)) {
			spin_lock(&qp->rdma_lock);
			stall = ((sqe.opcode == KIWI_WR_READ ||
				  sqe.opcode == KIWI_WR_READ_INV) &&
				 kiwi_orq_full(qp)) ||
				((sqe.flags & KIWI_SQE_FENCE) &&
				 qp->orq_head != qp->orq_tail);
			spin_unlock(&qp->rdma_lock);
		}
		if (stall) {
			/* rx.c kicks us when a Read completes. */
			spin_unlock_bh(&qp->sq_lock);
			return false;
		}
		idx = qp->sq_next++;
		qp->sq_slots[idx & qp->sq.mask] = (struct kiwi_sq_slot) {
			.wr_id = sqe.wr_id,
			.opcode = KIWI_CQE_SEND,
			.signaled = qp->sq_sig_all ||
				    (sqe.flags & KIWI_SQE_SIGNALED),
		};
		spin_unlock_bh(&qp->sq_lock);

		status = kiwi_tx_prepare(qp, &sqe, idx);
		spin_lock_bh(&qp->sq_lock);
		qp->sq_slots[idx & qp->sq.mask].opcode =
			tx->wqe.opcode == KIWI_WR_WRITE ? KIWI_CQE_WRITE :
			tx->wqe.opcode == KIWI_WR_READ ||
			tx->wqe.opcode == KIWI_WR_READ_INV ? KIWI_CQE_READ :
			tx->wqe.opcode == KIWI_WR_LOCAL_INV ? KIWI_CQE_LOCAL_INV :
			tx->wqe.opcode == KIWI_WR_REG_MR ? KIWI_CQE_REG_MR :
			KIWI_CQE_SEND;
		qp->sq_slots[idx & qp->sq.mask].byte_len = tx->wqe.length;
		spin_unlock_bh(&qp->sq_lock);
		if (status) {
			kiwi_put_mrs(tx->wqe.mr, KIWI_MAX_SEND_SGE);
			kiwi_qp_sq_done(qp, idx, status);
			kiwi_qp_error(qp);
			return false;
		}
		if (tx->wqe.opcode == KIWI_WR_LOCAL_INV ||
		    tx->wqe.opcode == KIWI_WR_REG_MR) {
			kiwi_tx_local(qp);
			continue;
		}
		if (tx->wqe.opcode == KIWI_WR_READ ||
		    tx->wqe.opcode == KIWI_WR_READ_INV)
			kiwi_tx_orq_push(qp, false);
		tx->kind = KIWI_TX_SQ;
		tx->off = 0;
		tx->sge_idx = 0;
		tx->sge_off = 0;
		return true;
	}
}

/* Drop the message in progress; its SQ slot is left for the flush. */
static void kiwi_tx_abandon(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;

	kiwi_put_mrs(tx->wqe.mr, KIWI_MAX_SEND_SGE);
	if (tx->kind == KIWI_TX_READ_RESP && tx->rresp.mr) {
		kiwi_mr_put(tx->rresp.mr);
		tx->rresp.mr = NULL;
	}
	tx->kind = KIWI_TX_NONE;
}

/* The current message is framed completely: record what it finishes. */
static void kiwi_tx_msg_done(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_done *d = &tx->batch.done[tx->batch.ndone++];

	memset(d, 0, sizeof(*d));
	switch (tx->kind) {
	case KIWI_TX_SQ:
		if (tx->wqe.opcode == KIWI_WR_READ ||
		    tx->wqe.opcode == KIWI_WR_READ_INV) {
			d->kind = KIWI_TXD_READ_REQ;
			tx->msn_rreq++;
		} else {
			d->kind = KIWI_TXD_SQ;
			d->sq_idx = tx->wqe.sq_idx;
			memcpy(d->mr, tx->wqe.mr, sizeof(d->mr));
			memset(tx->wqe.mr, 0, sizeof(tx->wqe.mr));
			if (tx->wqe.opcode != KIWI_WR_WRITE)
				tx->msn_send++;
		}
		break;
	case KIWI_TX_READ_RESP:
		d->kind = KIWI_TXD_READ_RESP;
		d->mr[0] = tx->rresp.mr;
		tx->rresp.mr = NULL;
		break;
	case KIWI_TX_TERM:
		d->kind = KIWI_TXD_TERM;
		tx->msn_term++;
		break;
	case KIWI_TX_RTR:
		d->kind = KIWI_TXD_RTR;
		if (qp->mpa.rtr == KIWI_MPA_RTR_READ)
			tx->msn_rreq++;
		else if (qp->mpa.rtr != KIWI_MPA_RTR_WRITE)
			tx->msn_send++;
		break;
	default:
		break;
	}
	tx->kind = KIWI_TX_NONE;
}

/*
 * Fill an empty batch.
 * Return: true if it holds something, false if there is nothing to send;
 * *more is set if work is left that did not fit.
 */
static bool kiwi_tx_fill(struct kiwi_qp *qp, bool *more)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_batch *b = &tx->batch;
	int ret;

	*more = false;
	while (kiwi_tx_batch_room(qp)) {
		enum kiwi_qp_state state = READ_ONCE(qp->state);

		/*
		 * A QP that hit an error abandons the message it was
		 * sending: the flush completes its WR.
		 */
		if ((state == KIWI_QPS_TERMINATE || state == KIWI_QPS_ERROR) &&
		    (tx->kind == KIWI_TX_SQ || tx->kind == KIWI_TX_READ_RESP))
			kiwi_tx_abandon(qp);
		if (tx->kind == KIWI_TX_NONE && !kiwi_tx_next(qp))
			return b->len;
		ret = kiwi_tx_frame(qp);
		if (ret < 0) {
			kiwi_dbg_qp(qp, "framing failed: %d\n", ret);
			kiwi_qp_error(qp);
			return false;
		}
		if (ret)
			kiwi_tx_msg_done(qp);
		/* Nothing goes after a TERMINATE. */
		if (b->ndone && b->done[b->ndone - 1].kind == KIWI_TXD_TERM)
			return true;
	}
	*more = true;
	return true;
}

/*
 * The whole batch is in TCP's hands: finish what it carried.  The MRs can
 * go now even for a zero-copy batch, since the skbs hold references to
 * the pages themselves; its WRs complete when the skbs let go (zc.c).
 */
static void kiwi_tx_batch_done(struct kiwi_qp *qp)
{
	struct kiwi_tx_batch *b = &qp->tx->batch;
	bool term = false;
	unsigned int i;

	for (i = 0; i < b->ndone; i++) {
		struct kiwi_tx_done *d = &b->done[i];

		kiwi_put_mrs(d->mr, KIWI_MAX_SEND_SGE);
		if (d->kind == KIWI_TXD_SQ && b->zc)
			kiwi_zc_add_sq(b->zc, d->sq_idx);
		else if (d->kind == KIWI_TXD_SQ)
			kiwi_qp_sq_done(qp, d->sq_idx, KIWI_WC_SUCCESS);
		else if (d->kind == KIWI_TXD_TERM)
			term = true;
	}
	if (b->zc) {
		atomic64_add(b->len, &qp->kdev->tx_zcopy_bytes);
		kiwi_zc_put(b->zc);
		b->zc = NULL;
	} else {
		atomic64_add(b->len, &qp->kdev->tx_copy_bytes);
	}
	kiwi_tx_zc_unref(b);
	b->ndone = 0;
	b->nvec = 0;
	b->len = 0;
	b->sent = 0;
	b->nfpdu = 0;
	b->nmkr = 0;
	if (term) {
		qp->term_sent = true;
		kiwi_qp_error(qp);
	}
}

/* Whether @v points into the transmitter's own buffers. */
static bool kiwi_tx_own(const struct kiwi_tx *tx, const struct bio_vec *v)
{
	const void *p = page_address(v->bv_page) + v->bv_offset;

	return p >= (const void *)tx && p < (const void *)(tx + 1);
}

/*
 * Move a piece of the transmitter's own bytes to a copy page the skbs may
 * keep, which the batch references until it is sent.
 */
static int kiwi_tx_zc_move(struct kiwi_tx *tx, struct bio_vec *v)
{
	struct kiwi_tx_batch *b = &tx->batch;
	struct page *page;
	u32 off;

	if (kiwi_zc_kva(&tx->zc_frag, page_address(v->bv_page) + v->bv_offset,
			v->bv_len, &page, &off))
		return -ENOMEM;
	if (!b->nzc_page || b->zc_page[b->nzc_page - 1] != page) {
		if (b->nzc_page == KIWI_TX_ZC_PAGES)
			return -ENOSPC;
		get_page(page);
		b->zc_page[b->nzc_page++] = page;
	}
	v->bv_page = page;
	v->bv_offset = off;
	return 0;
}

/*
 * Before the first byte of a batch goes out: send it zero-copy if its
 * payload is at least tx_zcopy_min bytes and every payload page may be
 * referenced by skbs (not slab memory of a kernel consumer, as
 * sendpage_ok() says).  Smaller batches are cheaper to copy than to wait
 * for their acknowledgment.  Pieces the move leaves adjacent are merged,
 * which saves skb fragments.
 */
static void kiwi_tx_zc_prepare(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	struct kiwi_tx_batch *b = &tx->batch;
	u32 min = READ_ONCE(kiwi_tx_zcopy_min), payload = 0;
	struct ubuf_info *uarg;
	unsigned int i, w;
	bool ok = true;

	if (!min || b->len < min)
		return;
	for (i = 0; i < b->nvec; i++) {
		if (kiwi_tx_own(tx, &b->vec[i]))
			continue;
		if (!sendpage_ok(b->vec[i].bv_page))
			return;
		payload += b->vec[i].bv_len;
	}
	if (payload < min)
		return;
	uarg = kiwi_zc_alloc(qp);
	if (!uarg)
		return;
	for (i = 0, w = 0; i < b->nvec; i++) {
		struct bio_vec v = b->vec[i];
		struct bio_vec *prev = w ? &b->vec[w - 1] : NULL;

		/* On failure the rest stays where it is, and is copied. */
		if (ok && kiwi_tx_own(tx, &v) && kiwi_tx_zc_move(tx, &v))
			ok = false;
		if (prev && prev->bv_page == v.bv_page &&
		    prev->bv_offset + prev->bv_len == v.bv_offset)
			prev->bv_len += v.bv_len;
		else
			b->vec[w++] = v;
	}
	b->nvec = w;
	if (ok)
		b->zc = uarg;
	else
		kiwi_zc_put(uarg);
}

/*
 * Hand the rest of the batch to TCP without blocking.
 * Return: 0 when all of it is sent, -EAGAIN when the socket is full (the
 * write_space callback kicks us), or another -errno.
 */
static int kiwi_tx_push(struct kiwi_qp *qp, struct socket *sock, bool more)
{
	struct kiwi_tx_batch *b = &qp->tx->batch;
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL |
			     (more ? MSG_MORE : 0),
	};
	int ret;

	if (!b->sent && !b->zc)
		kiwi_tx_zc_prepare(qp);
	if (b->zc) {
		msg.msg_flags |= MSG_ZEROCOPY;
		msg.msg_ubuf = b->zc;
	}
	/* Before sendmsg, so a write_space right after it finds the bit. */
	set_bit(KIWI_QP_TX_WAIT_SPACE, &qp->flags);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, b->vec, b->nvec, b->len);
	iov_iter_advance(&msg.msg_iter, b->sent);
	ret = sock_sendmsg(sock, &msg);
	if (ret > 0)
		b->sent += ret;
	if (b->sent == b->len) {
		clear_bit(KIWI_QP_TX_WAIT_SPACE, &qp->flags);
		return 0;
	}
	return ret >= 0 || ret == -EAGAIN ? -EAGAIN : ret;
}

/*
 * The largest ULPDU to put in one FPDU on a connection with this MSS
 * (RFC 5044 section 6), but never less than the largest header, so that
 * every message can be framed whatever the MSS.
 */
VISIBLE_IF_KUNIT u32 kiwi_tx_max_ulpdu(u32 mss, bool markers)
{
	return max_t(u32, kiwi_fpdu_max_ulpdu(mss, markers), KIWI_HDR_MAX_LEN);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_tx_max_ulpdu);

/* Runs with KIWI_QP_TX_BUSY owned.  Context: process. */
static void kiwi_tx_locked(struct kiwi_qp *qp)
{
	struct kiwi_tx *tx = qp->tx;
	struct socket *sock;
	bool more = false;
	int budget = 16;
	int ret;

	sock = kiwi_cm_qp_sock(qp);
	if (!tx || !sock)
		return;
	if (!tx->max_ulpdu)
		tx->max_ulpdu = qp->mpa.big ? KIWI_TX_BIG_ULPDU :
			kiwi_tx_max_ulpdu(READ_ONCE(tcp_sk(sock->sk)->mss_cache),
					  qp->mpa.tx_markers);

	while (budget--) {
		if (tx->batch.sent < tx->batch.len) {
			ret = kiwi_tx_push(qp, sock, more);
			if (ret == -EAGAIN)
				return;
			if (ret < 0) {
				kiwi_dbg_qp(qp, "sendmsg: %d\n", ret);
				kiwi_qp_error(qp);
				return;
			}
		}
		if (tx->batch.len)
			kiwi_tx_batch_done(qp);
		if (!kiwi_tx_fill(qp, &more))
			break;
	}
	if (budget < 0) {
		/* Let others run; tx_work continues from here. */
		kiwi_tx_kick(qp);
		return;
	}
	/* Sent and completed: the last zero-copy batch kicks us again. */
	if (READ_ONCE(qp->state) == KIWI_QPS_CLOSING &&
	    tx->kind == KIWI_TX_NONE && !tx->batch.len &&
	    !kiwi_zc_pending(qp))
		kiwi_cm_qp_drained(qp);
}

/**
 * kiwi_tx_run() - run the transmitter now, in the caller's context
 * @qp: the QP
 *
 * Context: process, may sleep.
 */
void kiwi_tx_run(struct kiwi_qp *qp)
{
	/*
	 * kiwi_tx_next() looks for work without locks, so the work our
	 * caller brought (a new prod, a queued Read Request) must be visible
	 * before TX_AGAIN, and the runner's looks must come after its clear
	 * of TX_AGAIN: either it sees the work or it sees the bit again.
	 * Both barriers are free where bit operations are locked (x86).
	 */
	smp_mb__before_atomic();
	set_bit(KIWI_QP_TX_AGAIN, &qp->flags);
	while (test_bit(KIWI_QP_TX_AGAIN, &qp->flags) &&
	       !test_and_set_bit_lock(KIWI_QP_TX_BUSY, &qp->flags)) {
		clear_bit(KIWI_QP_TX_AGAIN, &qp->flags);
		/* The clear before the looks for work; see above. */
		smp_mb__after_atomic();
		kiwi_tx_locked(qp);
		clear_bit_unlock(KIWI_QP_TX_BUSY, &qp->flags);
		/* Order the unlock before re-reading TX_AGAIN, and wake. */
		smp_mb__after_atomic();
		wake_up_bit(&qp->flags, KIWI_QP_TX_BUSY);
	}
}

/**
 * kiwi_tx_kick() - make sure the transmitter runs soon
 * @qp: the QP
 *
 * Context: any.
 */
void kiwi_tx_kick(struct kiwi_qp *qp)
{
	kiwi_qp_get(qp);
	if (!queue_work(kiwi_wq, &qp->tx_work))
		kiwi_qp_put(qp);
}

void kiwi_tx_work(struct work_struct *work)
{
	struct kiwi_qp *qp = container_of(work, struct kiwi_qp, tx_work);

	kiwi_tx_run(qp);
	kiwi_qp_put(qp);
}

/* Context: any.  Whether the SQ holds WRs the transmitter has not seen. */
bool kiwi_tx_sq_pending(struct kiwi_qp *qp)
{
	return READ_ONCE(qp->sq.hdr->prod) != READ_ONCE(qp->sq_next);
}
