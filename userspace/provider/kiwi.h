/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi: libkiwi's objects and the API between its files.
 *
 * Copyright (c) 2026 The kiwi authors
 *
 *   main.c	device matching, context setup, registration, ops table
 *   verbs.c	control path: PD, MR, CQ, QP, SRQ through uverbs commands;
 *		ring mapping; the two doorbell system calls
 *   sq.c	send queue: post_send and the ibv_qp_ex work request builder
 *   rq.c	receive queues: post_recv and post_srq_recv
 *   cq.c	completion queue: poll_cq, req_notify_cq and ibv_cq_ex polling
 *
 * sq.c, rq.c and cq.c make no system call of their own and need nothing
 * from libibverbs beyond its public types: the unit tests link them
 * against a fake kernel (userspace/tests/).
 */
#ifndef KIWI_PROVIDER_KIWI_H
#define KIWI_PROVIDER_KIWI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/kiwi-abi.h>

#include "ring.h"
#include "verbs_provider.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define kiwi_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct kiwi_device {
	struct verbs_device ibv_dev;
};

struct kiwi_context {
	struct verbs_context ibv_ctx;	/* first: libibverbs allocates it */
	uint32_t flags;			/* KIWI_CTX_F_* from the kernel */
	int db_fd;			/* the doorbell file, or -1 */
	uint32_t max_sge_rd;		/* SGEs of an RDMA Read sink */
	char fw_ver[64];		/* the device's sysfs fw_ver, or "" */
};

/*
 * ibv_qp_ex operations and ibv_cq_ex completion fields libkiwi supports;
 * anything else is refused with EOPNOTSUPP when the object is created.
 */
#define KIWI_QP_EX_SEND_OPS	(IBV_QP_EX_WITH_RDMA_WRITE |		\
				 IBV_QP_EX_WITH_SEND |			\
				 IBV_QP_EX_WITH_RDMA_READ |		\
				 IBV_QP_EX_WITH_SEND_WITH_INV)
#define KIWI_CQ_EX_WC_FLAGS	IBV_WC_STANDARD_FLAGS

/* ibv_send_wr.send_flags a work request may carry. */
#define KIWI_SEND_FLAGS		(IBV_SEND_FENCE | IBV_SEND_SIGNALED |	\
				 IBV_SEND_SOLICITED | IBV_SEND_INLINE)

struct kiwi_cq {
	struct verbs_cq vcq;
	pthread_spinlock_t lock;	/* protects ring's private indices,
					 * cur and ex_* */
	bool locked;			/* false: IBV_CREATE_CQ_ATTR_SINGLE_THREADED */
	struct kiwi_uring ring;
	/* ibv_cq_ex polling, between start_poll and end_poll */
	struct kiwi_cqe cur;		/* copy of the completion being read */
	uint32_t ex_taken;		/* CQEs read, not yet handed back */
	uint32_t ex_avail;		/* CQEs known to be ready */
};

struct kiwi_sq {
	pthread_spinlock_t lock;	/* protects ring's private indices and
					 * ex_*; held from wr_start to
					 * wr_complete or wr_abort */
	struct kiwi_uring ring;
	uint32_t max_sge;
	uint32_t max_sge_rd;
	uint32_t max_inline;
	uint8_t sig_all;		/* KIWI_SQE_SIGNALED or 0 */
	bool db_always;			/* no SQ poller: every post rings */
	/* ibv_qp_ex work request builder */
	uint32_t ex_pending;		/* slots filled, not yet published */
	struct kiwi_sqe *ex_cur;	/* the request the setters fill */
	bool ex_cur_read;		/* ... is an RDMA Read */
	int ex_err;			/* first error since wr_start */
};

struct kiwi_rq {
	pthread_spinlock_t lock;	/* protects ring's private indices */
	struct kiwi_uring ring;
	uint32_t max_sge;
};

struct kiwi_qp {
	struct verbs_qp vqp;
	struct kiwi_sq sq;
	struct kiwi_rq rq;		/* not mapped when the QP has an SRQ */
	bool has_srq;
};

struct kiwi_srq {
	struct verbs_srq vsrq;
	struct kiwi_rq rq;
};

static inline struct kiwi_context *to_kiwi_ctx(struct ibv_context *ibctx)
{
	return kiwi_container_of(ibctx, struct kiwi_context, ibv_ctx.context);
}

static inline struct kiwi_cq *to_kiwi_cq(struct ibv_cq *ibcq)
{
	return kiwi_container_of(ibcq, struct kiwi_cq, vcq.cq);
}

static inline struct kiwi_cq *to_kiwi_cq_ex(struct ibv_cq_ex *cqx)
{
	return kiwi_container_of(cqx, struct kiwi_cq, vcq.cq_ex);
}

static inline struct kiwi_qp *to_kiwi_qp(struct ibv_qp *ibqp)
{
	return kiwi_container_of(ibqp, struct kiwi_qp, vqp.qp);
}

static inline struct kiwi_qp *to_kiwi_qp_ex(struct ibv_qp_ex *qpx)
{
	return kiwi_container_of(qpx, struct kiwi_qp, vqp.qp_ex);
}

static inline struct kiwi_srq *to_kiwi_srq(struct ibv_srq *ibsrq)
{
	return kiwi_container_of(ibsrq, struct kiwi_srq, vsrq.srq);
}

/* verbs.c: the system calls of the data path. */
void kiwi_sq_doorbell(struct kiwi_qp *qp);
void kiwi_rq_flush_kick(struct kiwi_qp *qp);

/* sq.c */
int kiwi_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		   struct ibv_send_wr **bad_wr);
void kiwi_qp_ex_init(struct kiwi_qp *qp);

/* rq.c */
int kiwi_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		   struct ibv_recv_wr **bad_wr);
int kiwi_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
		       struct ibv_recv_wr **bad_wr);

/* cq.c */
int kiwi_poll_cq(struct ibv_cq *ibcq, int num, struct ibv_wc *wc);
int kiwi_req_notify_cq(struct ibv_cq *ibcq, int solicited_only);
void kiwi_cq_ex_init(struct kiwi_cq *cq);

/* verbs.c: the control path, in main.c's ops table. */
int kiwi_query_device_ex(struct ibv_context *ibctx,
			 const struct ibv_query_device_ex_input *input,
			 struct ibv_device_attr_ex *attr, size_t attr_size);
int kiwi_query_port(struct ibv_context *ibctx, uint8_t port,
		    struct ibv_port_attr *attr);
struct ibv_pd *kiwi_alloc_pd(struct ibv_context *ibctx);
int kiwi_dealloc_pd(struct ibv_pd *pd);
struct ibv_mr *kiwi_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			   uint64_t hca_va, int access);
int kiwi_dereg_mr(struct verbs_mr *vmr);
struct ibv_cq *kiwi_create_cq(struct ibv_context *ibctx, int cqe,
			      struct ibv_comp_channel *channel,
			      int comp_vector);
struct ibv_cq_ex *kiwi_create_cq_ex(struct ibv_context *ibctx,
				    struct ibv_cq_init_attr_ex *attr);
int kiwi_destroy_cq(struct ibv_cq *ibcq);
struct ibv_qp *kiwi_create_qp(struct ibv_pd *pd,
			      struct ibv_qp_init_attr *attr);
struct ibv_qp *kiwi_create_qp_ex(struct ibv_context *ibctx,
				 struct ibv_qp_init_attr_ex *attr);
int kiwi_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		   int attr_mask);
int kiwi_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		  int attr_mask, struct ibv_qp_init_attr *init_attr);
int kiwi_destroy_qp(struct ibv_qp *ibqp);
struct ibv_srq *kiwi_create_srq(struct ibv_pd *pd,
				struct ibv_srq_init_attr *attr);
int kiwi_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr,
		    int attr_mask);
int kiwi_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr);
int kiwi_destroy_srq(struct ibv_srq *ibsrq);

/* The kiwi_sge array is copied to and from struct ibv_sge arrays. */
static_assert(sizeof(struct kiwi_sge) == sizeof(struct ibv_sge), "sge");
static_assert(offsetof(struct kiwi_sge, addr) ==
	      offsetof(struct ibv_sge, addr), "sge.addr");
static_assert(offsetof(struct kiwi_sge, length) ==
	      offsetof(struct ibv_sge, length), "sge.length");
static_assert(offsetof(struct kiwi_sge, lkey) ==
	      offsetof(struct ibv_sge, lkey), "sge.lkey");
static_assert(sizeof(struct kiwi_sqe) == 128, "sqe");
static_assert(sizeof(struct kiwi_rqe) == 128, "rqe");
static_assert(sizeof(struct kiwi_cqe) == 32, "cqe");
static_assert(sizeof(struct kiwi_ring_hdr) == KIWI_RING_HDR_SIZE, "hdr");
/* kiwi_cqe.status carries ibv_wc_status values unchanged. */
#define KIWI_SAME_STATUS(s) ((int)KIWI_WC_##s == (int)IBV_WC_##s)
static_assert(KIWI_SAME_STATUS(LOC_LEN_ERR) &&
	      KIWI_SAME_STATUS(LOC_QP_OP_ERR) &&
	      KIWI_SAME_STATUS(LOC_PROT_ERR) &&
	      KIWI_SAME_STATUS(WR_FLUSH_ERR) &&
	      KIWI_SAME_STATUS(BAD_RESP_ERR) &&
	      KIWI_SAME_STATUS(LOC_ACCESS_ERR) &&
	      KIWI_SAME_STATUS(REM_INV_REQ_ERR) &&
	      KIWI_SAME_STATUS(REM_ACCESS_ERR) &&
	      KIWI_SAME_STATUS(REM_OP_ERR) &&
	      KIWI_SAME_STATUS(FATAL_ERR) &&
	      KIWI_SAME_STATUS(GENERAL_ERR), "wc status");
#undef KIWI_SAME_STATUS

#ifdef __cplusplus
}
#endif

#endif /* KIWI_PROVIDER_KIWI_H */
