/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: memory regions, STags and every access check on them.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_MEM_H
#define KIWI_MEM_H

#include <linux/refcount.h>
#include <linux/workqueue.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>

struct kiwi_device;

enum kiwi_mr_type {
	KIWI_MR_DMA,	/* kernel virtual addresses, whole memory */
	KIWI_MR_USER,	/* pinned user pages (ib_umem) */
	KIWI_MR_FAST,	/* fast registration: alloc_mr + REG_MR */
};

/**
 * struct kiwi_mr - a memory region and its STag
 * @ibmr: ib_core's MR; lkey == rkey == the STag
 * @kdev: the device
 * @ref: one for the registration, one per user in flight (placement,
 *	transmit batch, Read queues) and per QP cache that keeps it
 *	(kiwi_mr_lookup_cached()); the last put frees the MR from a work
 *	item, after an RCU grace period
 * @type: enum kiwi_mr_type
 * @valid: the STag may be used.  Always true for DMA and user MRs while
 *	registered; for fast MRs set by REG_MR and cleared by Local or
 *	Remote Invalidate.  Written with WRITE_ONCE under @lock; read
 *	without it for DMA and user MRs (kiwi_mr_check())
 * @lock: serialises fast registration, invalidation and the checks of a
 *	fast MR
 * @access: IB_ACCESS_* flags of the current registration
 * @iova: first address of the region in its address space (user virtual,
 *	kernel virtual, or the fast MR's iova)
 * @length: bytes in the region
 * @pages: user MR: every page of the umem, in order
 * @npages: entries in @pages
 * @page_off: user MR: offset of @iova in the first page
 * @umem: user MR: the pinned memory
 * @fr_addrs: fast MR: kernel virtual address of each page of the list
 * @fr_max: fast MR: capacity of @fr_addrs
 * @fr_n: fast MR: pages mapped by the last map_mr_sg
 * @free_work: releases the umem and frees the MR
 * @rcu: defers the final kfree past concurrent lookups
 */
struct kiwi_mr {
	struct ib_mr ibmr;
	struct kiwi_device *kdev;
	refcount_t ref;
	enum kiwi_mr_type type;
	bool valid;
	spinlock_t lock;	/* registration: valid, access, extent */
	int access;
	u64 iova;
	u64 length;

	struct page **pages;
	unsigned long npages;
	u32 page_off;
	struct ib_umem *umem;

	u64 *fr_addrs;
	u32 fr_max;
	u32 fr_n;

	struct work_struct free_work;
	struct rcu_head rcu;
};

static inline struct kiwi_mr *to_kiwi_mr(struct ib_mr *ibmr)
{
	return container_of(ibmr, struct kiwi_mr, ibmr);
}

/* What an access needs from a region, beyond PD and bounds. */
enum kiwi_access {
	KIWI_ACC_LOCAL_READ,	/* gather for Send, Write, Read Response */
	KIWI_ACC_LOCAL_WRITE,	/* scatter a receive or Read Response */
	KIWI_ACC_REMOTE_READ,	/* source of an inbound Read Request */
	KIWI_ACC_REMOTE_WRITE,	/* target of an inbound RDMA Write */
};

/* Why an access check failed, so each caller can name the right error. */
enum kiwi_mr_err {
	KIWI_MR_OK = 0,
	KIWI_MR_ERR_STAG,	/* no such STag, wrong key, or invalidated */
	KIWI_MR_ERR_PD,		/* region belongs to another PD */
	KIWI_MR_ERR_ACCESS,	/* rights missing */
	KIWI_MR_ERR_BOUNDS,	/* outside the region */
	KIWI_MR_ERR_WRAP,	/* address + length wraps around */
};

struct kiwi_mr *kiwi_mr_get(struct kiwi_device *kdev, u32 stag);

/* Another reference to an MR the caller holds one of. */
static inline void kiwi_mr_hold(struct kiwi_mr *mr)
{
	refcount_inc(&mr->ref);
}

void kiwi_mr_put(struct kiwi_mr *mr);
enum kiwi_mr_err kiwi_mr_check(struct kiwi_mr *mr, u32 stag,
			       struct ib_pd *pd, u64 addr, u64 len,
			       enum kiwi_access acc);
enum kiwi_mr_err kiwi_mr_lookup(struct kiwi_device *kdev, u32 stag,
				struct ib_pd *pd, u64 addr, u64 len,
				enum kiwi_access acc, struct kiwi_mr **mrp);
enum kiwi_mr_err kiwi_mr_lookup_cached(struct kiwi_device *kdev, u32 stag,
				       struct ib_pd *pd, u64 addr, u64 len,
				       enum kiwi_access acc,
				       struct kiwi_mr **cache);
u32 kiwi_mr_page(const struct kiwi_mr *mr, u64 addr, struct page **page,
		 u32 *off);
int kiwi_mr_copy_to(struct kiwi_mr *mr, u64 addr, const void *src, u32 len);
int kiwi_mr_copy_from(struct kiwi_mr *mr, u64 addr, void *dst, u32 len);
int kiwi_mr_invalidate(struct kiwi_device *kdev, u32 stag, struct ib_pd *pd,
		       bool remote);
int kiwi_mr_fast_reg(struct kiwi_mr *mr, u32 key, int access);

struct ib_mr *kiwi_get_dma_mr(struct ib_pd *pd, int access);
struct ib_mr *kiwi_reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
			       u64 virt_addr, int access,
			       struct ib_udata *udata);
struct ib_mr *kiwi_alloc_mr(struct ib_pd *pd, enum ib_mr_type type,
			    u32 max_num_sg);
int kiwi_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		   unsigned int *sg_offset);
int kiwi_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);

#endif /* KIWI_MEM_H */
