/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: queue pairs and shared receive queues, with their transmit and
 * receive engines (tx.c, rx.c).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_QP_H
#define KIWI_QP_H

#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/mm_types_task.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <uapi/rdma/kiwi-abi.h>

#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>
#include <kiwi/terminate.h>

#include "kiwi_param.h"
#include "ring.h"

struct kiwi_cep;
struct kiwi_cq;
struct kiwi_mr;
struct kiwi_zc_owner;
struct ubuf_info;

/*
 * The iWARP QP states (RDMAC verbs) and how the IB states map onto them:
 * RESET, INIT, RTR -> IDLE; RTS -> RTS; SQD -> CLOSING; SQE -> TERMINATE;
 * ERR -> ERROR.  kiwi_qp_next_state[] is the transition table.
 */
enum kiwi_qp_state {
	KIWI_QPS_IDLE,
	KIWI_QPS_RTS,
	KIWI_QPS_CLOSING,
	KIWI_QPS_TERMINATE,
	KIWI_QPS_ERROR,
	KIWI_QPS_NUM
};

extern const char *const kiwi_qp_state_name[KIWI_QPS_NUM];

/**
 * struct kiwi_srq - shared receive queue
 * @ibsrq: ib_core's SRQ; must stay first
 * @ring: the receive entries
 * @lock: protects the consumer side of @ring, @limit and, for kernel SRQs,
 *	the producer side.  Taken with softirqs disabled.
 * @limit: armed limit (IB_SRQ_LIMIT), 0 when disarmed
 * @max_sge: SGEs per entry the SRQ was created with
 * @user: the ring is mapped by a process
 */
struct kiwi_srq {
	struct ib_srq ibsrq;
	struct kiwi_ring ring;
	spinlock_t lock;	/* consumer side, limit; kernel producer */
	u32 limit;
	u32 max_sge;
	bool user;
};

static inline struct kiwi_srq *to_kiwi_srq(struct ib_srq *ibsrq)
{
	return container_of(ibsrq, struct kiwi_srq, ibsrq);
}

/**
 * struct kiwi_sq_slot - kernel bookkeeping of one posted send WR
 * @wr_id: the consumer's id
 * @byte_len: bytes the completion reports
 * @opcode: KIWI_CQE_* for the completion
 * @status: KIWI_WC_* once done
 * @signaled: a completion is to be generated on success
 * @done: the WR has finished; it completes once all before it have
 */
struct kiwi_sq_slot {
	u64 wr_id;
	u32 byte_len;
	u8 opcode;
	u8 status;
	bool signaled;
	bool done;
};

/**
 * struct kiwi_wqe - a send WR the transmitter works on, validated
 * @sq_idx: its SQ index
 * @opcode: KIWI_WR_*
 * @flags: KIWI_SQE_*
 * @num_sge: SGEs in @sge (0 for inline)
 * @inv_rkey: Send with Invalidate, Local Invalidate: the STag
 * @remote_addr: Write, Read: remote tagged offset
 * @rkey: Write, Read: remote STag
 * @length: total payload bytes
 * @sge: the gather (or, for Read, the single sink) list
 * @mr: referenced MR of each SGE with a length
 * @inline_data: inline payload
 * @reg_mr: REG_MR: the MR to register, referenced
 * @reg_key: REG_MR: the new STag
 * @reg_access: REG_MR: its rights
 */
struct kiwi_wqe {
	u32 sq_idx;
	u8 opcode;
	u8 flags;
	u8 num_sge;
	u32 inv_rkey;
	u64 remote_addr;
	u32 rkey;
	u32 length;
	struct kiwi_sge sge[KIWI_MAX_SEND_SGE];
	struct kiwi_mr *mr[KIWI_MAX_SEND_SGE];
	u8 inline_data[KIWI_MAX_INLINE];
	struct kiwi_mr *reg_mr;
	u32 reg_key;
	int reg_access;
};

/**
 * struct kiwi_orq_entry - an RDMA Read this QP issued, awaiting response
 * @sq_idx: SQ index of the Read WR
 * @sink_stag: the STag we asked the peer to write into (our lkey)
 * @sink_to: where the response starts
 * @len: bytes asked for
 * @got: bytes placed so far
 * @mr: the sink MR, referenced
 * @inv: Read with Invalidate: invalidate @sink_stag on completion
 */
struct kiwi_orq_entry {
	u32 sq_idx;
	u32 sink_stag;
	u64 sink_to;
	u32 len;
	u32 got;
	struct kiwi_mr *mr;
	bool inv;
};

/**
 * struct kiwi_irq_entry - an inbound RDMA Read Request to answer
 * @sink_stag: the requester's sink STag
 * @sink_to: the requester's sink offset
 * @len: bytes to send
 * @src_to: our source offset
 * @mr: our source MR, referenced (NULL for a zero-length Read)
 */
struct kiwi_irq_entry {
	u32 sink_stag;
	u64 sink_to;
	u32 len;
	u64 src_to;
	struct kiwi_mr *mr;
};

/* What finishes when the last byte of a batch is accepted by TCP. */
struct kiwi_tx_done {
	u8 kind;			/* KIWI_TXD_* */
	u32 sq_idx;
	struct kiwi_mr *mr[KIWI_MAX_SEND_SGE];
};

enum kiwi_tx_done_kind {
	KIWI_TXD_SQ,		/* Send or Write: its SQ slot is done */
	KIWI_TXD_READ_REQ,	/* a Read Request is on the wire */
	KIWI_TXD_READ_RESP,	/* a Read Response: release the source */
	KIWI_TXD_TERM,		/* the TERMINATE is out: close */
	KIWI_TXD_RTR,		/* the RTR message is out */
};

#define KIWI_TX_BATCH_FPDUS	64
#define KIWI_TX_BATCH_MSGS	16
#define KIWI_TX_HDR_SLOT	KIWI_HDR_MAX_LEN
#define KIWI_TX_TRL_SLOT	8
#define KIWI_TX_ZC_PAGES	4

/**
 * struct kiwi_tx_batch - FPDUs on their way into the socket
 * @vec: pieces: headers, payload pages, pad and CRC trailers
 * @nvec: pieces used
 * @len: bytes in the batch
 * @sent: bytes TCP has accepted
 * @hdr: storage for FPDU headers
 * @trl: storage for pad + CRC trailers
 * @nfpdu: FPDUs in the batch
 * @done: what completes when the batch is fully sent
 * @ndone: entries in @done
 * @inl: inline payloads, one per message (indexed like @done): the WR's
 *	own copy is reused by the next WR before the batch is sent
 * @mkr: MPA markers inserted into the batch; each takes a piece of @vec
 * @nmkr: entries in @mkr
 * @zc: the zero-copy notification when the batch goes out zero-copy
 *	(zc.c), else NULL; set before its first byte is sent
 * @zc_page: pages holding the batch's own bytes for zero-copy, referenced
 *	until the batch is sent
 * @nzc_page: entries in @zc_page
 */
struct kiwi_tx_batch {
	struct bio_vec vec[KIWI_TX_BATCH_VECS];
	unsigned int nvec;
	u32 len;
	u32 sent;
	u8 hdr[KIWI_TX_BATCH_FPDUS][KIWI_TX_HDR_SLOT];
	u8 trl[KIWI_TX_BATCH_FPDUS][KIWI_TX_TRL_SLOT];
	unsigned int nfpdu;
	struct kiwi_tx_done done[KIWI_TX_BATCH_MSGS];
	unsigned int ndone;
	u8 inl[KIWI_TX_BATCH_MSGS][KIWI_MAX_INLINE];
	u8 mkr[KIWI_TX_BATCH_VECS][KIWI_MKR_LEN] __aligned(KIWI_MKR_LEN);
	unsigned int nmkr;
	struct ubuf_info *zc;
	struct page *zc_page[KIWI_TX_ZC_PAGES];
	unsigned int nzc_page;
};

enum kiwi_tx_kind {
	KIWI_TX_NONE,
	KIWI_TX_SQ,		/* a WR from the SQ */
	KIWI_TX_READ_RESP,	/* a Read Response from the IRQ */
	KIWI_TX_TERM,		/* the TERMINATE message */
	KIWI_TX_RTR,		/* the RFC 6581 ready-to-receive message */
};

/**
 * struct kiwi_tx - transmit state; owned by whoever holds KIWI_QP_TX_BUSY
 * @kind: what @wqe / @rresp describe, KIWI_TX_*
 * @wqe: the SQ work request in progress
 * @rresp: the Read Response in progress
 * @off: payload bytes of the current message already framed
 * @sge_idx: gather position: current SGE
 * @sge_off: gather position: offset in it
 * @msn_send: MSN of the next Send (untagged queue 0)
 * @msn_rreq: MSN of the next Read Request (queue 1)
 * @msn_term: MSN of the next TERMINATE (queue 2)
 * @max_ulpdu: largest ULPDU_Length to send (from the MSS)
 * @term: the TERMINATE to send, valid when KIWI_QP_TERM_PENDING is set
 * @term_buf: its encoding
 * @term_len: bytes in @term_buf
 * @mkr: marker insertion state, when the peer asked for markers
 * @batch: FPDUs being handed to TCP
 * @zc_frag: where zero-copy batches copy the bytes of their own (zc.c)
 * @mr_cache: the MR of the last local SGE looked up, kept for the next
 *	(referenced; each WR holds a reference of its own besides)
 */
struct kiwi_tx {
	enum kiwi_tx_kind kind;
	struct kiwi_wqe wqe;
	struct kiwi_irq_entry rresp;
	u32 off;
	u32 sge_idx;
	u32 sge_off;
	u32 msn_send;
	u32 msn_rreq;
	u32 msn_term;
	u32 max_ulpdu;
	struct kiwi_term term;
	u8 term_buf[KIWI_TERM_MAX_LEN];
	u32 term_len;
	struct kiwi_mkr_tx mkr;
	struct kiwi_tx_batch batch;
	struct page_frag zc_frag;
	struct kiwi_mr *mr_cache;
};

enum kiwi_rx_state {
	KIWI_RX_HDR,		/* collecting the FPDU header */
	KIWI_RX_DATA,		/* placing payload */
	KIWI_RX_TRAILER,	/* pad and CRC */
	KIWI_RX_STOP,		/* an error was found: drop everything */
};

/**
 * struct kiwi_rx - receive state; only the socket's data_ready path
 * (serialised by the socket lock) touches it, plus the QP's owner after
 * the socket callbacks are detached
 * @state: enum kiwi_rx_state
 * @hdr: raw header bytes collected so far
 * @hdr_got: bytes in @hdr
 * @fh: the parsed header of the current FPDU
 * @data_left: payload bytes of the current FPDU still to place
 * @trl: pad and CRC bytes collected
 * @trl_got: bytes in @trl
 * @trl_len: pad + CRC bytes of the current FPDU
 * @crc: running CRC32c register over the FPDU
 * @dst_mr: tagged placement target, kept for the next (referenced)
 * @dst_addr: next byte to place, for tagged placement
 * @msn_send: next expected MSN on queue 0
 * @msn_rreq: next expected MSN on queue 1
 * @recv_active: a Send is being received into @rqe
 * @rqe: the receive WR in use, validated
 * @rqe_mr: MRs of its SGEs, kept as each SGE's cache for the next receive
 *	(referenced)
 * @recv_len: its total capacity
 * @recv_got: bytes of the message received
 * @sge_idx: scatter position: current SGE
 * @sge_off: scatter position: offset in it
 * @solicited: the message asked for a solicited event
 * @inv_stag: Send with Invalidate: STag to invalidate at the end
 * @inv: @inv_stag is valid
 * @first_seen: an FPDU has been received (opens the responder's TX)
 * @mkr: marker removal state
 * @lim: what the header parser accepts
 */
struct kiwi_rx {
	enum kiwi_rx_state state;
	u8 hdr[KIWI_HDR_MAX_LEN];
	u32 hdr_got;
	struct kiwi_fpdu_hdr fh;
	u32 data_left;
	u8 trl[KIWI_FPDU_MAX_TRAILER];
	u32 trl_got;
	u32 trl_len;
	u32 crc;
	struct kiwi_mr *dst_mr;
	u64 dst_addr;
	u32 msn_send;
	u32 msn_rreq;
	bool recv_active;
	struct kiwi_rqe rqe;
	struct kiwi_mr *rqe_mr[KIWI_MAX_RECV_SGE];
	u32 recv_len;
	u32 recv_got;
	u32 sge_idx;
	u32 sge_off;
	bool solicited;
	u32 inv_stag;
	bool inv;
	bool first_seen;
	struct kiwi_mkr_rx mkr;
	struct kiwi_fpdu_limits lim;
};

/* qp->flags bits */
enum kiwi_qp_flag {
	KIWI_QP_TX_BUSY,	/* someone runs the transmitter */
	KIWI_QP_TX_AGAIN,	/* more transmit work arrived meanwhile */
	KIWI_QP_TX_WAIT_SPACE,	/* stalled on a full socket */
	KIWI_QP_TERM_PENDING,	/* a TERMINATE is to be sent */
	KIWI_QP_TX_GATED,	/* responder: wait for the first FPDU */
	KIWI_QP_RTR_PENDING,	/* initiator: send the RTR message first */
	KIWI_QP_FLUSH_SQ,	/* the SQ must be flushed */
	KIWI_QP_FLUSH_RQ,	/* the RQ must be flushed */
	KIWI_QP_POLLED,		/* on the SQ poller's list */
	KIWI_QP_RX_WORK,	/* rx_work reads the socket; data_ready waits */
};

/**
 * struct kiwi_qp - a queue pair (RC only)
 * @ibqp: ib_core's QP; must stay first
 * @kdev: the device
 * @ref: references: the creator's, iw_cm's (iw_add_ref), the attached
 *	connection endpoint's, queued work's; destroy_qp waits for all
 * @released: completed when @ref reaches zero
 * @state: enum kiwi_qp_state; written under @state_lock, read anywhere
 *	with READ_ONCE
 * @state_lock: serialises state changes; taken with softirqs disabled
 * @flags: enum kiwi_qp_flag bits
 * @ib_state: the IB state last set while IDLE (RESET, INIT or RTR)
 * @destroying: destroy_qp runs: flushed WRs get no completions
 * @term_sent: a TERMINATE went out, so close gracefully to deliver it
 * @user: the rings are mapped by a process
 * @sq_sig_all: every send WR completes with a CQE
 * @max_inline: inline data limit
 * @max_send_sge: SGE limit per send WR
 * @max_recv_sge: SGE limit per receive WR
 * @access: IB_ACCESS_REMOTE_* the QP allows (qp_access_flags)
 * @sq: send ring
 * @rq: receive ring (unused with an SRQ)
 * @srq: the SRQ, or NULL
 * @scq: send CQ
 * @rcq: receive CQ
 * @sq_slots: bookkeeping per SQ entry, kernel memory
 * @sq_next: SQ index of the next WR the transmitter fetches; WRs in
 *	[sq.cons, sq_next) are in progress
 * @sq_lock: protects the producer side of a kernel SQ, @sq_slots,
 *	@sq_next and the SQ's consumer index; taken with softirqs disabled
 * @rq_lock: protects the RQ ring's consumer side (and a kernel RQ's
 *	producer side); taken with softirqs disabled
 * @ird: inbound Read queue depth in use
 * @ord: outbound Read queue depth in use
 * @rdma_lock: protects @orq and @irq; taken with softirqs disabled
 * @orq: outstanding Reads we issued, @ord entries
 * @orq_head: oldest outstanding Read
 * @orq_tail: next free entry
 * @irq: inbound Read Requests to answer, @ird entries
 * @irq_head: next to answer
 * @irq_tail: next free entry
 * @cep: the connection endpoint while connected, referenced; changes
 *	under @state_lock, and only with the socket callbacks detached
 * @mpa: what MPA negotiation agreed
 * @tx: transmit state, owned by the holder of KIWI_QP_TX_BUSY
 * @rx: receive state
 * @tx_work: runs the transmitter from the workqueue
 * @rx_work: runs the receiver from the workqueue for bulk data (cm.c)
 * @rx_sk: the socket @rx_work reads, referenced while KIWI_QP_RX_WORK
 * @err_work: completes a move to ERROR in process context
 * @poll_node: entry on the SQ poller's list
 * @sq_poll: the SQ is watched by the poller (the context asked for it)
 * @uctx_id: number of the user context that created the QP (db.c)
 * @owner: thread group that created a user QP, referenced; the only one
 *	that may connect or accept on it (kiwi_qp_get_owned())
 * @vendor_err: TERMINATE code reported in error completions
 * @zc_owner: what the QP's zero-copy notifications refer to it by, or
 *	NULL before the first zero-copy batch (zc.c)
 */
struct kiwi_qp {
	struct ib_qp ibqp;
	struct kiwi_device *kdev;
	refcount_t ref;
	struct completion released;

	enum kiwi_qp_state state;
	spinlock_t state_lock;	/* state changes, @cep */
	unsigned long flags;
	enum ib_qp_state ib_state;
	bool destroying;
	bool term_sent;
	bool user;
	bool sq_sig_all;
	u32 max_inline;
	u32 max_send_sge;
	u32 max_recv_sge;
	int access;

	struct kiwi_ring sq;
	struct kiwi_ring rq;
	struct kiwi_srq *srq;
	struct kiwi_cq *scq;
	struct kiwi_cq *rcq;
	struct kiwi_sq_slot *sq_slots;
	u32 sq_next;
	spinlock_t sq_lock;	/* SQ slots, sq_next, SQ consumer index */
	spinlock_t rq_lock;	/* RQ consumer (and kernel producer) */

	u32 ird;
	u32 ord;
	spinlock_t rdma_lock;	/* the ORQ and IRQ */
	struct kiwi_orq_entry *orq;
	u32 orq_head;
	u32 orq_tail;
	struct kiwi_irq_entry *irq;
	u32 irq_head;
	u32 irq_tail;

	struct kiwi_cep *cep;
	struct kiwi_mpa_params mpa;

	struct kiwi_tx *tx;
	struct kiwi_rx rx;
	struct work_struct tx_work;
	struct work_struct rx_work;
	struct sock *rx_sk;
	struct work_struct err_work;

	struct list_head poll_node;
	bool sq_poll;
	u64 uctx_id;
	struct pid *owner;
	u32 vendor_err;
	struct kiwi_zc_owner *zc_owner;
};

static inline struct kiwi_qp *to_kiwi_qp(struct ib_qp *ibqp)
{
	return container_of(ibqp, struct kiwi_qp, ibqp);
}

#define kiwi_dbg_qp(qp, fmt, ...) do {					\
	const struct kiwi_qp *__qp = (qp);				\
									\
	ibdev_dbg(__qp->ibqp.device, "qp %u: %s: " fmt,			\
		  __qp->ibqp.qp_num, __func__, ##__VA_ARGS__);		\
} while (0)

/* qp.c */
void kiwi_qp_get(struct kiwi_qp *qp);
void kiwi_qp_put(struct kiwi_qp *qp);
struct kiwi_qp *kiwi_qp_get_by_qpn(struct kiwi_device *kdev, u32 qpn);
struct kiwi_qp *kiwi_qp_get_owned(struct kiwi_device *kdev, u32 qpn);
void kiwi_qp_doorbell(struct kiwi_qp *qp);
int kiwi_qp_to_rts(struct kiwi_qp *qp, struct kiwi_cep *cep,
		   const struct kiwi_mpa_params *mpa, bool initiator);
void kiwi_qp_error(struct kiwi_qp *qp);
void kiwi_qp_closing(struct kiwi_qp *qp);
void kiwi_qp_terminate(struct kiwi_qp *qp, const struct kiwi_term_code *code,
		       const u8 *fpdu, size_t len);
void kiwi_qp_event(struct kiwi_qp *qp, enum ib_event_type type);
void kiwi_qp_sq_done(struct kiwi_qp *qp, u32 sq_idx, u8 status);
int kiwi_qp_recv_cqe(struct kiwi_qp *qp, struct kiwi_cqe *cqe);
int kiwi_qp_get_rqe(struct kiwi_qp *qp, struct kiwi_rqe *rqe);
void kiwi_qp_flush(struct kiwi_qp *qp);

int kiwi_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *attr,
		   struct ib_udata *udata);
int kiwi_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		   struct ib_udata *udata);
int kiwi_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_qp_init_attr *init);
int kiwi_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
int kiwi_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		   const struct ib_send_wr **bad_wr);
int kiwi_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		   const struct ib_recv_wr **bad_wr);
void kiwi_iw_add_ref(struct ib_qp *ibqp);
void kiwi_iw_rem_ref(struct ib_qp *ibqp);
struct ib_qp *kiwi_iw_get_qp(struct ib_device *ibdev, int qpn);

/* srq.c */
int kiwi_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *attr,
		    struct ib_udata *udata);
int kiwi_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		    enum ib_srq_attr_mask mask, struct ib_udata *udata);
int kiwi_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr);
int kiwi_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata);
int kiwi_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		       const struct ib_recv_wr **bad_wr);
int kiwi_srq_get_rqe(struct kiwi_srq *srq, struct kiwi_rqe *rqe);
int kiwi_rqe_from_wr(struct kiwi_rqe *rqe, const struct ib_recv_wr *wr,
		     u32 max_sge);

/* tx.c */
void kiwi_tx_kick(struct kiwi_qp *qp);
void kiwi_tx_run(struct kiwi_qp *qp);
void kiwi_tx_work(struct work_struct *work);
void kiwi_rx_work(struct work_struct *work);
void kiwi_tx_release(struct kiwi_qp *qp);
int kiwi_tx_init(struct kiwi_qp *qp);
bool kiwi_tx_sq_pending(struct kiwi_qp *qp);

void kiwi_tx_free(struct kiwi_qp *qp);

/* zc.c */
struct ubuf_info *kiwi_zc_alloc(struct kiwi_qp *qp);
void kiwi_zc_add_sq(struct ubuf_info *uarg, u32 sq_idx);
void kiwi_zc_put(struct ubuf_info *uarg);
bool kiwi_zc_pending(struct kiwi_qp *qp);
void kiwi_zc_detach(struct kiwi_qp *qp);
int kiwi_zc_kva(struct page_frag *frag, const void *src, u32 len,
		struct page **page, u32 *off);
void kiwi_zc_wait_all(void);

/* rx.c */
int kiwi_rx_actor(read_descriptor_t *desc, struct sk_buff *skb,
		  unsigned int off, size_t len);
void kiwi_rx_init(struct kiwi_qp *qp);
void kiwi_rx_release(struct kiwi_qp *qp);
bool kiwi_rqe_valid(const struct kiwi_rqe *rqe, u32 max_sge);

#endif /* KIWI_QP_H */
