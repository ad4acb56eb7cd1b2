// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: the SQ poller.
 *
 * One kernel thread per device watches the send queues of the user QPs
 * in RTS whose context has polling on (module parameter sq_poll at the
 * time the context was created).  When a producer index moves, the thread
 * runs that QP's transmitter itself.  After sq_poll_idle_us without work
 * it raises KIWI_RING_F_NEED_WAKEUP in every SQ it watches and sleeps;
 * from then on a process that posts sees the flag and makes the doorbell
 * system call, which wakes the thread.
 *
 * The thread also gives way when another task is runnable on its CPU
 * (typically the process it serves, where CPUs are scarce): it raises
 * NEED_WAKEUP and sleeps for sq_poll_idle_us whatever the doorbells say,
 * so that meanwhile processes post by system call, as with polling off.
 * This is how vhost and KVM's halt polling decide to stop spinning.
 *
 * sq_poll_idle_us = 0 keeps the thread spinning for as long as it has
 * QPs, contended or not (a CPU set aside for it).  The protocol is
 * written down in include/uapi/rdma/kiwi-abi.h.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>

#include "kiwi.h"
#include "poller.h"
#include "qp.h"

/* QPs served per pass before the list lock is retaken. */
#define KIWI_POLL_BATCH	16

/**
 * struct kiwi_poller - one device's SQ poller
 * @kdev: the device
 * @task: the thread
 * @lock: protects @qps, @sleeping and @backoff (read without it by
 *	kiwi_poller_wake())
 * @qps: the QPs watched (kiwi_qp.poll_node)
 * @sleeping: the thread announced NEED_WAKEUP and may be asleep
 * @backoff: it sleeps because another task wanted its CPU; doorbells
 *	do not wake it
 */
struct kiwi_poller {
	struct kiwi_device *kdev;
	struct task_struct *task;
	spinlock_t lock;	/* protects @qps, @sleeping and @backoff */
	struct list_head qps;
	bool sleeping;
	bool backoff;
};

static DEFINE_MUTEX(kiwi_poller_mutex);

static void kiwi_poll_flags(struct kiwi_poller *p, bool need_wakeup)
{
	struct kiwi_qp *qp;

	lockdep_assert_held(&p->lock);
	list_for_each_entry(qp, &p->qps, poll_node)
		kiwi_ring_flags_update(&qp->sq,
				       need_wakeup ? KIWI_RING_F_NEED_WAKEUP : 0,
				       need_wakeup ? 0 : KIWI_RING_F_NEED_WAKEUP);
}

/* Collect QPs with new SQ entries, referenced.  Returns how many. */
static int kiwi_poll_scan(struct kiwi_poller *p, struct kiwi_qp **busy)
{
	struct kiwi_qp *qp;
	int n = 0;

	spin_lock_bh(&p->lock);
	list_for_each_entry(qp, &p->qps, poll_node) {
		if (!kiwi_tx_sq_pending(qp))
			continue;
		kiwi_qp_get(qp);
		busy[n++] = qp;
		if (n == KIWI_POLL_BATCH)
			break;
	}
	/* Serve the others first next time. */
	if (n && !list_is_last(&busy[n - 1]->poll_node, &p->qps))
		list_rotate_to_front(busy[n - 1]->poll_node.next, &p->qps);
	spin_unlock_bh(&p->lock);
	return n;
}

/*
 * Spin only while there has been work lately and nothing else wants this
 * CPU.  A spinning poller that shares its CPU with the process it serves
 * (or with any other runnable task) delays that process by a scheduler
 * time slice, which costs far more than a doorbell system call.
 */
static bool kiwi_poll_may_spin(struct kiwi_poller *p, unsigned long idle_since,
			       bool *contended)
{
	*contended = false;
	if (list_empty_careful(&p->qps))
		return false;
	if (!kiwi_sq_poll_idle_us)
		return true;
	if (!single_task_running()) {
		atomic64_inc(&p->kdev->sq_poll_yields);
		*contended = true;
		return false;
	}
	return time_before(jiffies, idle_since +
			   usecs_to_jiffies(kiwi_sq_poll_idle_us));
}

/* Raise or clear NEED_WAKEUP in every SQ, and say why. */
static void kiwi_poll_announce(struct kiwi_poller *p, bool sleeping,
			       bool backoff)
{
	spin_lock_bh(&p->lock);
	WRITE_ONCE(p->sleeping, sleeping);
	WRITE_ONCE(p->backoff, backoff);
	kiwi_poll_flags(p, sleeping);
	spin_unlock_bh(&p->lock);
}

/*
 * Sleep with NEED_WAKEUP raised.  An idle poller sleeps until a doorbell
 * wakes it.  One that gave way to another task sleeps for the idle time
 * and is not woken by doorbells meanwhile: they transmit by themselves,
 * and waking the poller would only take the CPU back from that task.
 */
static void kiwi_poll_sleep(struct kiwi_poller *p, struct kiwi_qp **busy,
			    bool contended)
{
	ktime_t backoff = ns_to_ktime((u64)kiwi_sq_poll_idle_us *
				      NSEC_PER_USEC);
	int i, n;

	set_current_state(TASK_INTERRUPTIBLE);
	kiwi_poll_announce(p, true, contended);
	/* Pairs with the provider's barrier between post and check. */
	smp_mb();
	n = kiwi_poll_scan(p, busy);
	for (i = 0; i < n; i++)
		kiwi_qp_put(busy[i]);
	if (!n && !kthread_should_stop()) {
		if (contended)
			schedule_hrtimeout(&backoff, HRTIMER_MODE_REL);
		else
			schedule();
	}
	__set_current_state(TASK_RUNNING);
	kiwi_poll_announce(p, false, false);
}

static int kiwi_poller_thread(void *arg)
{
	struct kiwi_poller *p = arg;
	struct kiwi_qp *busy[KIWI_POLL_BATCH];
	unsigned long idle_since = jiffies;
	bool contended;
	int i, n;

	while (!kthread_should_stop()) {
		n = kiwi_poll_scan(p, busy);
		for (i = 0; i < n; i++) {
			kiwi_tx_run(busy[i]);
			kiwi_qp_put(busy[i]);
		}
		if (n) {
			idle_since = jiffies;
			cond_resched();
			continue;
		}
		if (kiwi_poll_may_spin(p, idle_since, &contended)) {
			cond_resched();
			cpu_relax();
			continue;
		}
		kiwi_poll_sleep(p, busy, contended);
		idle_since = jiffies;
	}
	return 0;
}

static struct kiwi_poller *kiwi_poller_get(struct kiwi_device *kdev)
{
	struct kiwi_poller *p;

	mutex_lock(&kiwi_poller_mutex);
	p = kdev->poller;
	if (p)
		goto out;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out;
	p->kdev = kdev;
	spin_lock_init(&p->lock);
	INIT_LIST_HEAD(&p->qps);
	p->task = kthread_run(kiwi_poller_thread, p, "kiwi_poll/%s",
			      dev_name(&kdev->ibdev.dev));
	if (IS_ERR(p->task)) {
		kfree(p);
		p = NULL;
		goto out;
	}
	kdev->poller = p;
out:
	mutex_unlock(&kiwi_poller_mutex);
	return p;
}

/**
 * kiwi_poller_add() - watch a user QP's SQ
 * @qp: the QP, just moved to RTS, whose context asked for polling
 *
 * Without a poller (it could not be started) the QP's SQ is marked
 * NEED_WAKEUP for good, and doorbells work as with polling off.
 *
 * Context: process.
 */
void kiwi_poller_add(struct kiwi_qp *qp)
{
	struct kiwi_poller *p = kiwi_poller_get(qp->kdev);

	if (!p) {
		kiwi_ring_flags_update(&qp->sq, KIWI_RING_F_NEED_WAKEUP, 0);
		return;
	}
	spin_lock_bh(&p->lock);
	if (!test_and_set_bit(KIWI_QP_POLLED, &qp->flags)) {
		kiwi_qp_get(qp);
		list_add_tail(&qp->poll_node, &p->qps);
		if (p->sleeping)
			WRITE_ONCE(qp->sq.hdr->flags,
				   READ_ONCE(qp->sq.hdr->flags) |
				   KIWI_RING_F_NEED_WAKEUP);
	}
	spin_unlock_bh(&p->lock);
	wake_up_process(p->task);
}

/* Context: process.  Stop watching; safe for QPs never added. */
void kiwi_poller_del(struct kiwi_qp *qp)
{
	struct kiwi_poller *p = READ_ONCE(qp->kdev->poller);
	bool was = false;

	if (!p)
		return;
	spin_lock_bh(&p->lock);
	if (test_and_clear_bit(KIWI_QP_POLLED, &qp->flags)) {
		list_del_init(&qp->poll_node);
		was = true;
	}
	spin_unlock_bh(&p->lock);
	if (was)
		kiwi_qp_put(qp);
}

/* Context: any.  A doorbell: the poller resumes polling. */
void kiwi_poller_wake(struct kiwi_qp *qp)
{
	struct kiwi_poller *p = READ_ONCE(qp->kdev->poller);

	if (p && READ_ONCE(p->sleeping) && !READ_ONCE(p->backoff))
		wake_up_process(p->task);
}

/* Context: process; the device's QPs are all gone. */
void kiwi_poller_stop(struct kiwi_device *kdev)
{
	struct kiwi_poller *p = kdev->poller;

	if (!p)
		return;
	WARN_ON(!list_empty(&p->qps));
	kthread_stop(p->task);
	kfree(p);
	kdev->poller = NULL;
}
