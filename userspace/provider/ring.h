/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi: the provider's side of the shared rings.
 *
 * Copyright (c) 2026 The kiwi authors
 *
 * The protocol is specified in include/uapi/rdma/kiwi-abi.h.  What the
 * provider does to keep its half, once for every ring:
 *
 *  - It keeps a private copy of the index it owns (prod of an SQ, RQ or
 *    SRQ; cons of a CQ) and is the only writer of that index in shared
 *    memory.  It never reads its own index back from shared memory after
 *    the ring is mapped, so a scribbled header cannot steer it.
 *
 *  - Producing (SQ, RQ, SRQ): load the kernel's cons with acquire
 *    (kiwi_ring_space), so that the kernel has finished reading a slot
 *    before we overwrite it; fill the slots; publish them all with one
 *    release store of prod (kiwi_ring_publish).  Nothing is visible to the
 *    kernel before that store, so a batch that fails half way is simply
 *    not published.
 *
 *  - Consuming (CQ): load the kernel's prod with acquire (kiwi_ring_avail)
 *    before reading any entry below it; copy the entry out; hand the slots
 *    back with one release store of cons after the last read.
 *
 *  - Doorbell and re-arming are Dekker-style handshakes with the kernel:
 *    store our side (prod, or the CQ's arm word), then a full barrier
 *    (kiwi_full_barrier), then load the kernel's side (the SQ's flags, or
 *    the CQ's prod on the next poll).  The kernel does the mirror image, so
 *    at least one of the two sides sees the other's store.
 *
 * On x86 the acquire loads and release stores compile to plain moves; the
 * full barrier is one locked instruction.  These helpers are the only
 * place the provider touches a ring's indices or flags.
 */
#ifndef KIWI_PROVIDER_RING_H
#define KIWI_PROVIDER_RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/kiwi-abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kiwi_uring - one mapped ring, as the provider sees it
 * @hdr: the shared header (start of the mapping)
 * @entries: slot 0, KIWI_RING_HDR_SIZE bytes after @hdr
 * @mask: number of slots - 1 (the kernel guarantees a power of two)
 * @esize: bytes per slot
 * @head: our own index: prod of a ring we produce into, cons of a ring we
 *	consume from; shared memory only ever receives it
 * @peer: the last value we loaded of the kernel's index (a cache: the
 *	producer reloads cons only when the ring looks full)
 * @map: the mmap()ed area, @map_len bytes, unmapped on destroy
 */
struct kiwi_uring {
	struct kiwi_ring_hdr *hdr;
	uint8_t *entries;
	uint32_t mask;
	uint32_t esize;
	uint32_t head;
	uint32_t peer;
	void *map;
	size_t map_len;
};

static inline uint32_t kiwi_ring_size(const struct kiwi_uring *r)
{
	return r->mask + 1;
}

static inline void *kiwi_ring_slot(const struct kiwi_uring *r, uint32_t idx)
{
	return r->entries + (size_t)(idx & r->mask) * r->esize;
}

static inline void kiwi_full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Flags are written by the kernel; reading them needs no ordering of its
 * own (the callers put kiwi_full_barrier() in front where it matters). */
static inline uint32_t kiwi_ring_flags(const struct kiwi_uring *r)
{
	return __atomic_load_n(&r->hdr->flags, __ATOMIC_RELAXED);
}

/* The QP's state as the kernel last published it (enum ibv_qp_state
 * values); SQ and RQ headers only. */
static inline uint32_t kiwi_ring_qp_state(const struct kiwi_uring *r)
{
	return __atomic_load_n(&r->hdr->qp_state, __ATOMIC_RELAXED);
}

/**
 * kiwi_ring_space() - free slots in a ring we produce into
 * @r: the ring
 * @pending: slots filled since the last publish, not yet visible
 *
 * Slots up to the kernel's cons are free once the kernel's release store
 * of cons is seen, which the acquire load here guarantees.  A cons that
 * would put more than the ring's size in flight is nonsense (only our own
 * process can have written it); it reads as "full".
 */
static inline uint32_t kiwi_ring_space(struct kiwi_uring *r, uint32_t pending)
{
	uint32_t prod = r->head + pending;
	uint32_t used = prod - r->peer;

	if (used >= kiwi_ring_size(r)) {
		r->peer = __atomic_load_n(&r->hdr->cons, __ATOMIC_ACQUIRE);
		used = prod - r->peer;
		if (used > kiwi_ring_size(r))
			return 0;
	}
	return kiwi_ring_size(r) - used;
}

/* Make @n filled slots visible to the kernel: a release store of prod. */
static inline void kiwi_ring_publish(struct kiwi_uring *r, uint32_t n)
{
	r->head += n;
	__atomic_store_n(&r->hdr->prod, r->head, __ATOMIC_RELEASE);
}

/**
 * kiwi_ring_avail() - entries the kernel has produced for us
 * @r: a ring we consume from (a CQ)
 *
 * Return: the number of entries from @r->head on that may be read.  A
 * prod that would put more than the ring's size outstanding cannot come
 * from the kernel; it reads as empty rather than as garbage completions.
 */
static inline uint32_t kiwi_ring_avail(struct kiwi_uring *r)
{
	uint32_t n;

	r->peer = __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE);
	n = r->peer - r->head;
	return n > kiwi_ring_size(r) ? 0 : n;
}

/**
 * kiwi_ring_maybe_avail() - a look at a CQ without its lock
 * @r: a ring we consume from (a CQ)
 *
 * For a poll that finds nothing, which is most polls of a busy-polling
 * application, to return without the CQ's lock: a spinning poller would
 * otherwise do two locked operations per look.  @r->head may be stale
 * here (another thread may be consuming), but only ever lower than the
 * real one, and a stale prod is the value of a moment ago; so false means
 * that nothing was visible when prod was loaded, which is what a poll
 * under the lock would have seen at that moment.  True is only a hint:
 * the caller takes the lock and asks kiwi_ring_avail().
 */
static inline int kiwi_ring_maybe_avail(const struct kiwi_uring *r)
{
	return __atomic_load_n(&r->hdr->prod, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&r->head, __ATOMIC_RELAXED);
}

/*
 * Hand @n read slots back to the kernel: a release store of cons.  The
 * store of head is atomic for kiwi_ring_maybe_avail()'s sake.
 */
static inline void kiwi_ring_consume(struct kiwi_uring *r, uint32_t n)
{
	uint32_t head = r->head + n;

	__atomic_store_n(&r->head, head, __ATOMIC_RELAXED);
	__atomic_store_n(&r->hdr->cons, head, __ATOMIC_RELEASE);
}

/**
 * kiwi_ring_arm() - ask the kernel for a completion event (CQ only)
 * @r: the CQ's ring
 * @want: KIWI_CQ_ARM_NEXT or KIWI_CQ_ARM_SOLICITED
 *
 * The kernel clears arm with a compare-and-exchange when it raises the
 * event, so arm is raised with one too, and NEXT is never lowered to
 * SOLICITED.  The full barrier pairs with the kernel's between publishing
 * a CQE and reading arm: a CQE that races with arming is either seen by
 * the caller's next poll or raises the event.
 */
static inline void kiwi_ring_arm(struct kiwi_uring *r, uint32_t want)
{
	uint32_t old = __atomic_load_n(&r->hdr->arm, __ATOMIC_RELAXED);

	while (old != KIWI_CQ_ARM_NEXT && old != want &&
	       !__atomic_compare_exchange_n(&r->hdr->arm, &old, want, 0,
					    __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	kiwi_full_barrier();
}

/**
 * kiwi_ring_init() - set up the provider's view of a freshly mapped ring
 * @r: the view to fill
 * @map: the mapping (ring header first)
 * @map_len: its length
 * @entries: slots, as the kernel reported them
 * @esize: bytes per slot
 * @producer: true for SQ/RQ/SRQ, false for a CQ
 *
 * Return: 0, or EINVAL if the kernel's numbers do not describe a ring
 * that fits in the mapping.
 */
static inline int kiwi_ring_init(struct kiwi_uring *r, void *map,
				 size_t map_len, uint32_t entries,
				 uint32_t esize, int producer)
{
	if (!entries || (entries & (entries - 1)) || !esize ||
	    map_len < KIWI_RING_HDR_SIZE ||
	    (map_len - KIWI_RING_HDR_SIZE) / esize < entries)
		return EINVAL;
	r->hdr = (struct kiwi_ring_hdr *)map;
	r->entries = (uint8_t *)map + KIWI_RING_HDR_SIZE;
	r->mask = entries - 1;
	r->esize = esize;
	r->map = map;
	r->map_len = map_len;
	/* Our index starts where the (fresh, zeroed) ring says it does. */
	if (producer) {
		r->head = __atomic_load_n(&r->hdr->prod, __ATOMIC_RELAXED);
		r->peer = __atomic_load_n(&r->hdr->cons, __ATOMIC_ACQUIRE);
	} else {
		r->head = __atomic_load_n(&r->hdr->cons, __ATOMIC_RELAXED);
		r->peer = r->head;
	}
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* KIWI_PROVIDER_RING_H */
