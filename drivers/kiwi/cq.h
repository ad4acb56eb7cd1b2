/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: completion queues.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_CQ_H
#define KIWI_CQ_H

#include <rdma/ib_verbs.h>
#include <uapi/rdma/kiwi-abi.h>

#include "compat.h"
#include "ring.h"

/**
 * struct kiwi_cq - a completion queue
 * @ibcq: ib_core's CQ; must stay first
 * @ring: the CQE ring; struct kiwi_cqe entries for a user CQ, struct
 *	kiwi_kcqe for a kernel consumer's CQ
 * @lock: protects the producer side of @ring and @overflow; for kernel
 *	CQs also the consumer side.  Taken with interrupts disabled:
 *	completions are produced from softirq and process context.
 * @user: the ring is mapped by a process
 * @overflow: completions were lost; the CQ error event was raised
 */
struct kiwi_cq {
	struct ib_cq ibcq;
	struct kiwi_ring ring;
	spinlock_t lock;	/* producer side; all of a kernel CQ */
	bool user;
	bool overflow;
};

/* A kernel consumer's CQE: the shared format plus the QP pointer. */
struct kiwi_kcqe {
	struct kiwi_cqe cqe;
	struct ib_qp *qp;
};

static inline struct kiwi_cq *to_kiwi_cq(struct ib_cq *ibcq)
{
	return container_of(ibcq, struct kiwi_cq, ibcq);
}

int kiwi_cq_push(struct kiwi_cq *cq, const struct kiwi_cqe *cqe,
		 struct ib_qp *qp);

/* The signature changed in 6.11 (compat.h). */
#ifdef KIWI_HAVE_CREATE_CQ_ATTRS
int kiwi_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		   struct uverbs_attr_bundle *attrs);
#else
int kiwi_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		   struct ib_udata *udata);
#endif
int kiwi_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int kiwi_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc);
int kiwi_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags);
int kiwi_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata);

#endif /* KIWI_CQ_H */
