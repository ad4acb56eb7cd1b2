// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: allocation and user mapping of the shared rings.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/visibility.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kiwi_param.h"
#include "ring.h"

static_assert(sizeof(struct kiwi_ring_hdr) == KIWI_RING_HDR_SIZE);

/**
 * kiwi_ring_alloc() - allocate a ring of at least @want entries
 * @ring: the ring to set up
 * @want: entries asked for; rounded up to a power of two
 * @esize: bytes per entry
 * @uctx: the user context to map the ring into, or NULL for a ring only
 *	the kernel uses
 *
 * Context: process, may sleep.
 * Return: 0, -EINVAL for a size out of range, -ENOMEM.
 */
int kiwi_ring_alloc(struct kiwi_ring *ring, u32 want, u32 esize,
		    struct ib_ucontext *uctx)
{
	struct kiwi_mmap_entry *me;
	u32 n;
	int ret;

	memset(ring, 0, sizeof(*ring));
	if (!want || want > KIWI_MAX_CQE)
		return -EINVAL;
	n = roundup_pow_of_two(max_t(u32, want, KIWI_MIN_RING));
	ring->bytes = PAGE_ALIGN(KIWI_RING_HDR_SIZE + (size_t)n * esize);
	ring->mask = n - 1;
	ring->esize = esize;

	ring->hdr = uctx ? vmalloc_user(ring->bytes) : vzalloc(ring->bytes);
	if (!ring->hdr)
		return -ENOMEM;
	ring->entries = (void *)ring->hdr + KIWI_RING_HDR_SIZE;
	if (!uctx)
		return 0;

	me = kzalloc(sizeof(*me), GFP_KERNEL);
	if (!me) {
		ret = -ENOMEM;
		goto err_free;
	}
	me->addr = ring->hdr;
	ret = rdma_user_mmap_entry_insert(uctx, &me->rdma_entry, ring->bytes);
	if (ret) {
		kfree(me);
		goto err_free;
	}
	ring->mmap_entry = &me->rdma_entry;
	return 0;

err_free:
	vfree(ring->hdr);
	ring->hdr = NULL;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_ring_alloc);

/**
 * kiwi_ring_free() - release a ring
 * @ring: the ring
 *
 * A user ring's memory lives on until ib_core calls kiwi_mmap_free(),
 * after the process has unmapped it; the pages a mapping references stay
 * valid in any case.  The kernel must not touch @ring afterwards.
 *
 * Context: process.
 */
void kiwi_ring_free(struct kiwi_ring *ring)
{
	if (ring->mmap_entry)
		rdma_user_mmap_entry_remove(ring->mmap_entry);
	else
		vfree(ring->hdr);
	ring->mmap_entry = NULL;
	ring->hdr = NULL;
	ring->entries = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_ring_free);

u64 kiwi_ring_mmap_offset(const struct kiwi_ring *ring)
{
	return ring->mmap_entry ? rdma_user_mmap_get_offset(ring->mmap_entry) : 0;
}

/* Context: process, from the uverbs mmap() file operation. */
int kiwi_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rdma_entry;
	struct kiwi_mmap_entry *me;
	int ret;

	rdma_entry = rdma_user_mmap_entry_get(uctx, vma);
	if (!rdma_entry)
		return -EINVAL;
	me = container_of(rdma_entry, struct kiwi_mmap_entry, rdma_entry);
	if (vma->vm_end - vma->vm_start > rdma_entry->npages * PAGE_SIZE)
		ret = -EINVAL;
	else
		ret = remap_vmalloc_range(vma, me->addr, 0);
	rdma_user_mmap_entry_put(rdma_entry);
	return ret;
}

/* Context: process; the entry was removed and its last user is gone. */
void kiwi_mmap_free(struct rdma_user_mmap_entry *rdma_entry)
{
	struct kiwi_mmap_entry *me =
		container_of(rdma_entry, struct kiwi_mmap_entry, rdma_entry);

	vfree(me->addr);
	kfree(me);
}
