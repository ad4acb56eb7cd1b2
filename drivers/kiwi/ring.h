/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: the kernel side of the shared rings (see include/uapi/rdma/
 * kiwi-abi.h for the protocol).
 *
 * A struct kiwi_ring keeps the kernel's own copy of the index it owns.
 * The index the other side owns is read from shared memory, once, and
 * checked against the ring size before use: for user rings that memory
 * belongs to a process that may write anything into it.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_RING_H
#define KIWI_RING_H

#include <linux/types.h>
#include <rdma/ib_verbs.h>
#include <uapi/rdma/kiwi-abi.h>

/**
 * struct kiwi_ring - one SQ, RQ, SRQ or CQ ring
 * @hdr: the shared header, start of the vmalloc_user() (user) or
 *	vzalloc() (kernel consumer) area
 * @entries: first entry, KIWI_RING_HDR_SIZE bytes after @hdr
 * @mask: number of entries - 1 (a power of two minus one)
 * @esize: bytes per entry
 * @prod: the producer index, when the kernel produces (CQ)
 * @cons: the consumer index, when the kernel consumes (SQ, RQ, SRQ)
 * @mmap_entry: the user mapping's entry, or NULL for kernel rings
 * @bytes: size of the whole area
 */
struct kiwi_ring {
	struct kiwi_ring_hdr *hdr;
	void *entries;
	u32 mask;
	u32 esize;
	u32 prod;
	u32 cons;
	struct rdma_user_mmap_entry *mmap_entry;
	size_t bytes;
};

/**
 * struct kiwi_mmap_entry - an mmap()able vmalloc_user() area
 * @rdma_entry: ib_core's entry, gives the mmap offset
 * @addr: the area; freed by kiwi_mmap_free() once unmapped and removed
 */
struct kiwi_mmap_entry {
	struct rdma_user_mmap_entry rdma_entry;
	void *addr;
};

int kiwi_ring_alloc(struct kiwi_ring *ring, u32 want, u32 esize,
		    struct ib_ucontext *uctx);
void kiwi_ring_free(struct kiwi_ring *ring);
u64 kiwi_ring_mmap_offset(const struct kiwi_ring *ring);
int kiwi_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma);
void kiwi_mmap_free(struct rdma_user_mmap_entry *rdma_entry);

static inline u32 kiwi_ring_size(const struct kiwi_ring *ring)
{
	return ring->mask + 1;
}

static inline void *kiwi_ring_entry(const struct kiwi_ring *ring, u32 idx)
{
	return ring->entries + (size_t)(idx & ring->mask) * ring->esize;
}

/**
 * kiwi_ring_avail() - entries the other side has produced for us
 * @ring: a ring the kernel consumes
 *
 * Acquire-loads the shared producer index.  A value that would put more
 * than the ring's size between the indices is the other side's bug or
 * malice.
 *
 * Return: number of entries ready, or -EIO for a corrupt index.
 */
static inline int kiwi_ring_avail(const struct kiwi_ring *ring)
{
	/* Acquire: entries up to prod are written before we read them. */
	u32 prod = smp_load_acquire(&ring->hdr->prod);
	u32 n = prod - ring->cons;

	if (n > kiwi_ring_size(ring))
		return -EIO;
	return n;
}

/* Hand consumed entries back: release-store the consumer index. */
static inline void kiwi_ring_publish_cons(struct kiwi_ring *ring)
{
	/* Release: our reads of the entries are done before reuse. */
	smp_store_release(&ring->hdr->cons, ring->cons);
}

/*
 * Free slots in a ring the kernel produces into.  A consumer index that
 * makes no sense reads as "full", so a process that scribbles on its CQ
 * header only loses its own completions.
 */
static inline u32 kiwi_ring_space(const struct kiwi_ring *ring)
{
	u32 used = ring->prod - READ_ONCE(ring->hdr->cons);

	if (used > kiwi_ring_size(ring))
		return 0;
	return kiwi_ring_size(ring) - used;
}

static inline void kiwi_ring_publish_prod(struct kiwi_ring *ring)
{
	/* Release: the entries are written before the index says so. */
	smp_store_release(&ring->hdr->prod, ring->prod);
}

/**
 * kiwi_ring_flags_update() - set and clear bits of a ring's flags word
 * @ring: the ring
 * @set: KIWI_RING_F_* bits to set
 * @clear: KIWI_RING_F_* bits to clear
 *
 * The kernel is the only writer of flags, but from several contexts (the
 * SQ poller, QP state changes, CQ overflow), so updates are atomic.
 */
static inline void kiwi_ring_flags_update(struct kiwi_ring *ring, u32 set,
					  u32 clear)
{
	u32 old = READ_ONCE(ring->hdr->flags);

	while (!try_cmpxchg(&ring->hdr->flags, &old, (old & ~clear) | set))
		;
}

#endif /* KIWI_RING_H */
