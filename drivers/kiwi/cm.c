// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: connection management.
 *
 * Every kiwi connection is an ordinary kernel TCP socket in the network
 * namespace of the device's netdev, so iWARP and TCP share the kernel's
 * port space and `ss`, netfilter and tc see the traffic.  The sockets are
 * created like a process's sockets (they hold a reference on their
 * namespace), which keeps a namespace alive while a connection or
 * listener in it exists, as a process's socket would.
 *
 * A struct kiwi_cep is one TCP connection.  Until MPA negotiation is done
 * its socket callbacks queue the endpoint's work, which reads the MPA
 * frame with recvmsg and drives the state machine; afterwards the
 * callbacks hand the stream to the QP's receiver (rx.c).  All iw_cm events
 * are delivered under the endpoint's mutex, each at most once, in the
 * order iw_cm requires: CONNECT_REPLY or ESTABLISHED first, then CLOSE.
 *
 * Locking: rdma_cm calls the iw_* downcalls with its own mutexes held.
 * Those paths take the endpoint mutex and socket locks of kiwi's own
 * sockets (which get a lockdep class of their own), never RTNL, and
 * nothing kiwi does under a socket lock or the endpoint mutex calls back
 * into rdma_cm: events go to iw_cm's work queue.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <linux/inetdevice.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/addrconf.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <rdma/rdma_cm.h>

#include "cm.h"
#include "kiwi.h"
#include "kiwi_kunit.h"
#include "kiwi_param.h"
#include "qp.h"

/* Work for the endpoint (bits of cep->events). */
enum {
	KIWI_CEV_STATE,		/* the TCP state changed */
	KIWI_CEV_DATA,		/* bytes arrived during MPA negotiation */
	KIWI_CEV_TIMEOUT,	/* the current step took too long */
	KIWI_CEV_DRAINED,	/* the QP sent all it had: send FIN */
	KIWI_CEV_ABORT,		/* tear down (listener or device going) */
};

/**
 * struct kiwi_listener - one listening kernel TCP socket
 * @node: entry on kiwi_listeners
 * @sock: the socket
 * @net: its namespace
 * @addr: the address it is bound to
 * @ents: the iw_cm id listening through it (a list of one: a wildcard
 *	listen binds per device, like siw's, so the two can share a port)
 * @work: accepts new connections
 * @saved_data_ready: the socket's original callback (TCP's default,
 *	which is not exported), restored on release and given to accepted
 *	sockets, which inherit ours
 * @dead: the socket is being released; accept nothing more
 */
struct kiwi_listener {
	struct list_head node;
	struct socket *sock;
	struct net *net;
	struct sockaddr_storage addr;
	struct list_head ents;
	struct work_struct work;
	void (*saved_data_ready)(struct sock *sk);
	bool dead;
};

/**
 * struct kiwi_listen_ent - one iw_cm listen id on a listener
 * @node: entry on the listener's @ents
 * @l: the listener
 * @cm_id: the listening iw_cm id
 * @kdev: its device
 * @ceps: endpoints accepted for it, still awaiting their MPA request
 */
struct kiwi_listen_ent {
	struct list_head node;
	struct kiwi_listener *l;
	struct iw_cm_id *cm_id;
	struct kiwi_device *kdev;
	struct list_head ceps;
};

/* All listeners, their entries, and every cep->lent link. */
static LIST_HEAD(kiwi_listeners);
static DEFINE_MUTEX(kiwi_listen_mutex);

static const char *const kiwi_cep_state_name[KIWI_CEP_NUM] = {
	[KIWI_CEP_IDLE] = "IDLE",
	[KIWI_CEP_CONNECTING] = "CONNECTING",
	[KIWI_CEP_MPA_REQ_SENT] = "MPA_REQ_SENT",
	[KIWI_CEP_MPA_REQ_WAIT] = "MPA_REQ_WAIT",
	[KIWI_CEP_MPA_REQ_RCVD] = "MPA_REQ_RCVD",
	[KIWI_CEP_RTS] = "RTS",
	[KIWI_CEP_CLOSED] = "CLOSED",
};

#define kiwi_dbg_cep(cep, fmt, ...) do {				\
	const struct kiwi_cep *__cep = (cep);				\
									\
	ibdev_dbg(&__cep->kdev->ibdev, "cep %p %s: %s: " fmt, __cep,	\
		  kiwi_cep_state_name[__cep->state], __func__,		\
		  ##__VA_ARGS__);					\
} while (0)

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/*
 * kiwi's sockets get lock classes of their own: rdma_cm's mutexes are
 * held when kiwi binds and connects, and that must not chain up with the
 * socket locks of every other TCP user in lockdep's view.  Only sockets
 * kiwi creates, before they are used: reclassifying re-initialises the
 * socket's spinlock, which softirq may hold on an accepted socket (its
 * children keep TCP's classes; they are never bound under rdma_cm's
 * locks).
 */
static struct lock_class_key kiwi_sk_key[2];
static struct lock_class_key kiwi_slock_key[2];

static void kiwi_sock_reclassify(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (WARN_ON_ONCE(!sock_allow_reclassification(sk)))
		return;
	if (sk->sk_family == AF_INET6)
		sock_lock_init_class_and_name(sk, "slock-AF_INET6-KIWI",
					      &kiwi_slock_key[1],
					      "sk_lock-AF_INET6-KIWI",
					      &kiwi_sk_key[1]);
	else
		sock_lock_init_class_and_name(sk, "slock-AF_INET-KIWI",
					      &kiwi_slock_key[0],
					      "sk_lock-AF_INET-KIWI",
					      &kiwi_sk_key[0]);
}
#else
static void kiwi_sock_reclassify(struct socket *sock)
{
}
#endif

static struct net *kiwi_dev_net(struct kiwi_device *kdev)
{
	return dev_net(kdev->netdev);
}

/*
 * The network namespace an iw_cm id works in.  iw_cm ids carry none, but
 * rdma_cm, iw_cm's only user, makes an iw_cm id's context the rdma_cm_id
 * it serves, which does.  Fall back to the device's namespace for any
 * other user.
 */
static struct net *kiwi_cm_id_net(struct iw_cm_id *cm_id)
{
	const struct rdma_cm_id *id = cm_id->context;

	if (id && id->device == cm_id->device && id->route.addr.dev_addr.net)
		return id->route.addr.dev_addr.net;
	return kiwi_dev_net(to_kiwi_dev(cm_id->device));
}

static int kiwi_sock_create(struct net *net, int family, struct socket **res)
{
	struct socket *sock;
	int ret;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	/* kern = 0: the socket holds its namespace, like a process's. */
	ret = __sock_create(net, family, SOCK_STREAM, IPPROTO_TCP, &sock, 0);
	if (ret)
		return ret;
	kiwi_sock_reclassify(sock);
	sock->sk->sk_allocation = GFP_NOIO;
	tcp_sock_set_nodelay(sock->sk);
	*res = sock;
	return 0;
}

static int kiwi_addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					  sizeof(struct sockaddr_in);
}

/* The port of @a, a pointer into it. */
static __be16 *kiwi_addr_port(struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ?
	       &((struct sockaddr_in6 *)a)->sin6_port :
	       &((struct sockaddr_in *)a)->sin_port;
}

/*
 * Is @a's port one TCP itself hands out (ip_local_port_range)?  That is
 * where rdma_cm picks a port for an id the application did not bind.
 */
static bool kiwi_port_ephemeral(struct net *net,
				const struct sockaddr_storage *a)
{
	int port = ntohs(*kiwi_addr_port((struct sockaddr_storage *)a));
	int low, high;

	inet_get_local_port_range(net, &low, &high);
	return port && port >= low && port <= high;
}

/*
 * Create an active endpoint's socket and bind it to @laddr, or with @any
 * to @laddr's address and a port TCP picks.
 */
static int kiwi_cep_sock_bind(struct kiwi_cep *cep, struct net *net,
			      const struct sockaddr_storage *laddr, bool any)
{
	struct sockaddr_storage a = *laddr;
	int ret;

	if (any)
		*kiwi_addr_port(&a) = 0;
	ret = kiwi_sock_create(net, a.ss_family, &cep->sock);
	if (ret)
		return ret;
	sock_set_reuseaddr(cep->sock->sk);
	ret = kernel_bind(cep->sock, (struct sockaddr *)&a, kiwi_addr_len(&a));
	if (ret) {
		sock_release(cep->sock);
		cep->sock = NULL;
	}
	return ret;
}

/* ---- endpoints ---- */

static void kiwi_cep_release(struct kref *ref)
{
	struct kiwi_cep *cep = container_of(ref, struct kiwi_cep, ref);
	struct kiwi_device *kdev = cep->kdev;

	WARN_ON(cep->sock || cep->qp || cep->cm_id || cep->listen_cm_id);
	spin_lock_bh(&kdev->cep_lock);
	list_del(&cep->dev_node);
	spin_unlock_bh(&kdev->cep_lock);
	kfree(cep);
	if (atomic_dec_and_test(&kdev->num_cep))
		wake_up_var(&kdev->num_cep);
}

void kiwi_cep_get(struct kiwi_cep *cep)
{
	kref_get(&cep->ref);
}

void kiwi_cep_put(struct kiwi_cep *cep)
{
	kref_put(&cep->ref, kiwi_cep_release);
}

/* Context: any.  Ask the endpoint's work to handle @ev. */
static void kiwi_cep_queue(struct kiwi_cep *cep, int ev)
{
	set_bit(ev, &cep->events);
	kiwi_cep_get(cep);
	if (!queue_work(kiwi_wq, &cep->work))
		kiwi_cep_put(cep);
}

static void kiwi_cep_timer_fn(struct work_struct *work)
{
	struct kiwi_cep *cep =
		container_of(to_delayed_work(work), struct kiwi_cep, timer);

	kiwi_cep_queue(cep, KIWI_CEV_TIMEOUT);
	kiwi_cep_put(cep);
}

static void kiwi_cep_arm(struct kiwi_cep *cep, unsigned int ms)
{
	lockdep_assert_held(&cep->lock);
	/* Never 0: 0 means disarmed. */
	cep->deadline = (jiffies + msecs_to_jiffies(ms)) | 1;
	kiwi_cep_get(cep);
	if (!mod_delayed_work(kiwi_wq, &cep->timer, msecs_to_jiffies(ms)))
		return;
	/* It was already pending and holds a reference. */
	kiwi_cep_put(cep);
}

static void kiwi_cep_disarm(struct kiwi_cep *cep)
{
	lockdep_assert_held(&cep->lock);
	cep->deadline = 0;
	if (cancel_delayed_work(&cep->timer))
		kiwi_cep_put(cep);
}

static void kiwi_cep_work(struct work_struct *work);

static struct kiwi_cep *kiwi_cep_alloc(struct kiwi_device *kdev)
{
	struct kiwi_cep *cep = kzalloc(sizeof(*cep), GFP_KERNEL);

	if (!cep)
		return NULL;
	kref_init(&cep->ref);
	cep->kdev = kdev;
	mutex_init(&cep->lock);
	INIT_LIST_HEAD(&cep->lent_node);
	INIT_WORK(&cep->work, kiwi_cep_work);
	INIT_DELAYED_WORK(&cep->timer, kiwi_cep_timer_fn);
	atomic_inc(&kdev->num_cep);
	spin_lock_bh(&kdev->cep_lock);
	list_add_tail(&cep->dev_node, &kdev->ceps);
	spin_unlock_bh(&kdev->cep_lock);
	return cep;
}

/* ---- socket callbacks ---- */

/*
 * Where received data is placed.  data_ready runs in softirq on the CPU
 * that delivered the segment, which on a veth pair or loopback is the
 * sender's, inside its sendmsg(): a bulk transfer then has one CPU copy
 * every byte twice (into the skb, and out of it into the target) while
 * the others idle.  So once rx_defer_bytes wait in the socket, placement
 * moves to rx_work on the next online CPU, much as RPS would steer the
 * whole receive path; a small message is still placed at once, at the
 * cost of no context switch.  On the unbound workqueue the scheduler kept
 * the work on the busy CPU about as often as not, and the gain was lost
 * (Documentation/driver.rst has the figures).  While rx_work is queued
 * or running, data_ready leaves the socket to it.
 */
static u32 kiwi_rx_unread(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return READ_ONCE(tp->rcv_nxt) - READ_ONCE(tp->copied_seq);
}

/* Socket locked (or owned), sk_callback_lock held: place what is there. */
static void kiwi_rx_read(struct sock *sk, struct kiwi_qp *qp)
{
	read_descriptor_t desc = {
		.arg.data = qp,
		.count = 1,
	};

	lockdep_assert_held_read(&sk->sk_callback_lock);
	tcp_read_sock(sk, &desc, kiwi_rx_actor);
}

/* Context: softirq or process, socket locked, sk_callback_lock held. */
static void kiwi_rx_defer(struct sock *sk, struct kiwi_qp *qp)
{
	unsigned int cpu;

	lockdep_assert_held_read(&sk->sk_callback_lock);
	if (test_and_set_bit(KIWI_QP_RX_WORK, &qp->flags))
		return;
	sock_hold(sk);
	qp->rx_sk = sk;
	kiwi_qp_get(qp);
	cpu = cpumask_next(smp_processor_id(), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	/* Pending already cannot be while the bit was clear; never leak. */
	if (WARN_ON_ONCE(!queue_work_on(cpu, kiwi_rx_wq, &qp->rx_work))) {
		kiwi_qp_put(qp);
		sock_put(sk);
	}
}

/*
 * Context: process (kiwi_rx_wq).  Runs the receiver with the socket owned,
 * as release_sock() runs data_ready, until no byte is left that it can
 * take; bytes that arrive while KIWI_QP_RX_WORK is set find data_ready
 * passing, so it looks again after clearing the bit.
 */
void kiwi_rx_work(struct work_struct *work)
{
	struct kiwi_qp *qp = container_of(work, struct kiwi_qp, rx_work);
	struct sock *sk = qp->rx_sk;
	struct kiwi_cep *cep;
	bool progress;
	u32 seq;

	do {
		lock_sock(sk);
		seq = READ_ONCE(tcp_sk(sk)->copied_seq);
		read_lock_bh(&sk->sk_callback_lock);
		cep = sk->sk_user_data;
		/* Detached meanwhile: the QP is going to ERROR. */
		if (cep && cep->rx_qp == qp)
			kiwi_rx_read(sk, qp);
		read_unlock_bh(&sk->sk_callback_lock);
		progress = READ_ONCE(tcp_sk(sk)->copied_seq) != seq;
		release_sock(sk);
		clear_bit_unlock(KIWI_QP_RX_WORK, &qp->flags);
		/* Clear, then look: pairs with the barrier in data_ready. */
		smp_mb__after_atomic();
		/* Stop where the receiver took nothing (stopped, or gone). */
	} while (progress && kiwi_rx_unread(sk) &&
		 !test_and_set_bit_lock(KIWI_QP_RX_WORK, &qp->flags));
	sock_put(sk);
	kiwi_qp_put(qp);
}

/* Context: softirq, or process from release_sock(); socket locked. */
static void kiwi_sk_data_ready(struct sock *sk)
{
	struct kiwi_cep *cep;
	unsigned int defer = READ_ONCE(kiwi_rx_defer_bytes);

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep) {
		struct kiwi_qp *qp = cep->rx_qp;

		/*
		 * TCP queued the bytes, then we look at the bit; rx_work
		 * clears the bit, then looks for bytes: one of us sees them.
		 */
		smp_mb();
		if (!qp)
			kiwi_cep_queue(cep, KIWI_CEV_DATA);
		else if (test_bit(KIWI_QP_RX_WORK, &qp->flags))
			;	/* rx_work reads, and looks again */
		else if (defer && num_online_cpus() > 1 &&
			 kiwi_rx_unread(sk) >= defer)
			kiwi_rx_defer(sk, qp);
		else
			kiwi_rx_read(sk, qp);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Context: softirq or process. */
static void kiwi_sk_state_change(struct sock *sk)
{
	struct kiwi_cep *cep;

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep)
		kiwi_cep_queue(cep, KIWI_CEV_STATE);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Context: softirq or process. */
static void kiwi_sk_write_space(struct sock *sk)
{
	struct kiwi_cep *cep;

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep && cep->rx_qp && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		if (test_and_clear_bit(KIWI_QP_TX_WAIT_SPACE,
				       &cep->rx_qp->flags))
			kiwi_tx_kick(cep->rx_qp);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void kiwi_sock_attach(struct kiwi_cep *cep)
{
	struct sock *sk = cep->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	cep->saved_data_ready = sk->sk_data_ready;
	cep->saved_state_change = sk->sk_state_change;
	cep->saved_write_space = sk->sk_write_space;
	sk->sk_user_data = cep;
	sk->sk_data_ready = kiwi_sk_data_ready;
	sk->sk_state_change = kiwi_sk_state_change;
	sk->sk_write_space = kiwi_sk_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Restore the socket's callbacks.  Once this returns no callback of ours
 * runs any more: they all run under sk_callback_lock.
 */
static void kiwi_sock_detach(struct kiwi_cep *cep)
{
	struct sock *sk = cep->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == cep) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = cep->saved_data_ready;
		sk->sk_state_change = cep->saved_state_change;
		sk->sk_write_space = cep->saved_write_space;
	}
	cep->rx_qp = NULL;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Release the socket: FIN after pending data, or RST. */
static void kiwi_cep_sock_release(struct kiwi_cep *cep, bool graceful)
{
	if (!cep->sock)
		return;
	kiwi_sock_detach(cep);
	if (graceful)
		kernel_sock_shutdown(cep->sock, SHUT_WR);
	else
		sock_no_linger(cep->sock->sk);
	sock_release(cep->sock);
	cep->sock = NULL;
}

/* ---- iw_cm events ---- */

static void kiwi_cep_event(struct kiwi_cep *cep, struct iw_cm_id *cm_id,
			   enum iw_cm_event_type type, int status,
			   const void *pdata, u8 pdata_len)
{
	struct iw_cm_event ev = {
		.event = type,
		.status = status,
		.private_data = (void *)pdata,
		.private_data_len = pdata_len,
		.ird = cep->agreed.ird,
		.ord = cep->agreed.ord,
	};
	struct sock *sk = cep->sock ? cep->sock->sk : NULL;

	lockdep_assert_held(&cep->lock);
	if (type == IW_CM_EVENT_CONNECT_REQUEST) {
		ev.provider_data = (void *)(uintptr_t)cep->id;
		/* MPA v1 carries no IRD/ORD: offer what kiwi supports. */
		ev.ird = cep->req.enhanced ? cep->req.ird : KIWI_MAX_IRD;
		ev.ord = cep->req.enhanced ? cep->req.ord : KIWI_MAX_ORD;
	}
	if (sk) {
		int len;

		kernel_getsockname(cep->sock, (struct sockaddr *)&ev.local_addr);
		len = kernel_getpeername(cep->sock,
					 (struct sockaddr *)&ev.remote_addr);
		if (len < 0)
			memset(&ev.remote_addr, 0, sizeof(ev.remote_addr));
	} else {
		ev.local_addr = cm_id->m_local_addr;
		ev.remote_addr = cm_id->m_remote_addr;
	}
	kiwi_dbg_cep(cep, "event %d status %d\n", type, status);
	cm_id->event_handler(cm_id, &ev);
}

/* Drop the iw_cm id: no event goes to it any more. */
static void kiwi_cep_drop_cm_id(struct kiwi_cep *cep)
{
	lockdep_assert_held(&cep->lock);
	if (cep->cm_id) {
		cep->cm_id->provider_data = NULL;
		cep->cm_id->rem_ref(cep->cm_id);
		cep->cm_id = NULL;
	}
}

/* Unlink a passive endpoint from its listen entry. */
static void kiwi_cep_unlisten(struct kiwi_cep *cep)
{
	mutex_lock(&kiwi_listen_mutex);
	if (cep->lent) {
		list_del_init(&cep->lent_node);
		cep->lent = NULL;
	}
	mutex_unlock(&kiwi_listen_mutex);
	if (cep->listen_cm_id) {
		cep->listen_cm_id->rem_ref(cep->listen_cm_id);
		cep->listen_cm_id = NULL;
	}
}

/*
 * Give up on an endpoint that never got connected: tell the active
 * side's consumer, release everything.
 */
static void kiwi_cep_fail(struct kiwi_cep *cep, int status,
			  const void *pdata, u8 pdata_len)
{
	lockdep_assert_held(&cep->lock);
	kiwi_cep_disarm(cep);
	if (cep->state == KIWI_CEP_MPA_REQ_RCVD &&
	    xa_erase(&cep->kdev->cep_xa, cep->id))
		kiwi_cep_put(cep);
	kiwi_cep_sock_release(cep, false);
	if (cep->initiator && cep->cm_id && !cep->closed) {
		cep->closed = true;
		kiwi_cep_event(cep, cep->cm_id, IW_CM_EVENT_CONNECT_REPLY,
			       status, pdata, pdata_len);
	}
	kiwi_cep_drop_cm_id(cep);
	kiwi_cep_unlisten(cep);
	if (cep->qp) {
		kiwi_qp_put(cep->qp);
		cep->qp = NULL;
	}
	cep->state = KIWI_CEP_CLOSED;
}

/* ---- MPA ---- */

/*
 * The policy of one connection from the module parameters.  mpa_p2p only
 * decides whether an initiator asks for the peer-to-peer mode: a
 * responder always takes it, since the initiator's RTR is sure to come.
 */
VISIBLE_IF_KUNIT void kiwi_policy_init(struct kiwi_mpa_policy *pol, u32 ird,
				       u32 ord, bool initiator)
{
	memset(pol, 0, sizeof(*pol));
	pol->rev = kiwi_mpa_rev == 1 ? 1 : 2;
	if (kiwi_mpa_crc_strict)
		pol->crc = kiwi_mpa_crc ? KIWI_MPA_CRC_REQUIRED :
					  KIWI_MPA_CRC_FORBIDDEN;
	else
		pol->crc = kiwi_mpa_crc ? KIWI_MPA_CRC_PREFER_ON :
					  KIWI_MPA_CRC_PREFER_OFF;
	pol->markers = READ_ONCE(kiwi_mpa_markers);
	pol->p2p = !initiator || READ_ONCE(kiwi_mpa_p2p);
	pol->rtr = READ_ONCE(kiwi_mpa_rtr);
	/* kiwi can send any RTR message, whatever it offered */
	pol->rtr_any = true;
	pol->ird = min_t(u32, ird, KIWI_MAX_IRD);
	pol->ord = min_t(u32, ord, KIWI_MAX_ORD);
	pol->big = READ_ONCE(kiwi_mpa_big);
}
EXPORT_SYMBOL_IF_KUNIT(kiwi_policy_init);

static int kiwi_cep_send(struct kiwi_cep *cep, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	int ret;

	/* A fresh connection's send buffer always takes an MPA frame. */
	ret = kernel_sendmsg(cep->sock, &msg, &iov, 1, len);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EAGAIN;
}

static int kiwi_cep_send_rr(struct kiwi_cep *cep, const struct kiwi_mpa_rr *rr)
{
	u8 *frame = kmalloc(KIWI_MPA_MAX_FRAME, GFP_KERNEL);
	int ret;

	if (!frame)
		return -ENOMEM;
	ret = kiwi_mpa_rr_build(frame, KIWI_MPA_MAX_FRAME, rr);
	if (ret > 0)
		ret = kiwi_cep_send(cep, frame, ret);
	kfree(frame);
	return ret;
}

/*
 * Read what is missing of the peer's MPA frame, never more: the bytes
 * after it belong to the QP.
 * Return: 0 with cep->req parsed, -EAGAIN if incomplete, or -errno.
 */
static int kiwi_cep_read_rr(struct kiwi_cep *cep, bool reply,
			    enum kiwi_wire_err *why)
{
	size_t need = KIWI_MPA_RR_HDR_LEN;
	int ret;

	for (;;) {
		struct kvec iov;
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

		ret = kiwi_mpa_rr_parse(cep->buf, cep->got, reply, &cep->req,
					&need, why);
		if (ret != -EAGAIN)
			return ret < 0 ? ret : 0;
		if (need > sizeof(cep->buf))
			return -EMSGSIZE;
		iov.iov_base = cep->buf + cep->got;
		iov.iov_len = need - cep->got;
		ret = kernel_recvmsg(cep->sock, &msg, &iov, 1, iov.iov_len,
				     MSG_DONTWAIT);
		if (ret == -EAGAIN)
			return -EAGAIN;
		if (ret <= 0)
			return ret ?: -ECONNRESET;
		cep->got += ret;
	}
}

/* Feed bytes that arrived before the receiver took over. */
static void kiwi_cep_rx_kick(struct kiwi_cep *cep)
{
	struct sock *sk = cep->sock->sk;

	lock_sock(sk);
	kiwi_sk_data_ready(sk);
	release_sock(sk);
}

/* Hand the stream to the QP's receiver; the QP is in RTS. */
static void kiwi_cep_go_rts(struct kiwi_cep *cep, struct kiwi_qp *qp)
{
	struct sock *sk = cep->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	cep->rx_qp = qp;
	write_unlock_bh(&sk->sk_callback_lock);
	cep->state = KIWI_CEP_RTS;
	cep->established = true;
}

/* Active side: the TCP connection is up; send the MPA request. */
static void kiwi_cep_connected(struct kiwi_cep *cep)
{
	int ret;

	ret = kiwi_cep_send_rr(cep, &cep->req);
	if (ret) {
		kiwi_cep_fail(cep, ret, NULL, 0);
		return;
	}
	cep->state = KIWI_CEP_MPA_REQ_SENT;
	kiwi_cep_arm(cep, KIWI_MPA_TIMEOUT_MS);
}

/* Active side: process the MPA reply. */
static void kiwi_cep_reply(struct kiwi_cep *cep)
{
	struct kiwi_qp *qp = cep->qp;
	struct kiwi_mpa_rr sent = cep->req;
	struct kiwi_mpa_rr rep;
	enum kiwi_wire_err why = KIWI_WERR_NONE;
	int ret;

	sent.pdata = cep->pdata;
	ret = kiwi_cep_read_rr(cep, true, &why);
	if (ret == -EAGAIN)
		return;
	if (ret) {
		kiwi_dbg_cep(cep, "bad reply: %d (%s)\n", ret,
			     kiwi_wire_err_name(why));
		kiwi_cep_fail(cep, -ECONNREFUSED, NULL, 0);
		return;
	}
	rep = cep->req;
	if (rep.reject) {
		kiwi_cep_fail(cep, -ECONNREFUSED, rep.pdata, rep.pdata_len);
		return;
	}
	why = kiwi_mpa_negotiate_initiator(&cep->pol, &sent, &rep,
					   &cep->agreed);
	if (why) {
		kiwi_dbg_cep(cep, "reply not acceptable: %s\n",
			     kiwi_wire_err_name(why));
		kiwi_cep_fail(cep, -ECONNREFUSED, NULL, 0);
		return;
	}
	kiwi_cep_disarm(cep);
	ret = kiwi_qp_to_rts(qp, cep, &cep->agreed, true);
	if (ret) {
		kiwi_cep_fail(cep, ret, NULL, 0);
		return;
	}
	kiwi_cep_go_rts(cep, qp);
	kiwi_cep_event(cep, cep->cm_id, IW_CM_EVENT_CONNECT_REPLY, 0,
		       rep.pdata, min_t(u16, rep.pdata_len, U8_MAX));
	kiwi_cep_rx_kick(cep);
	kiwi_tx_kick(qp);
}

/* Send a reject reply and give the connection up. */
static void kiwi_cep_reject(struct kiwi_cep *cep, const void *pdata, u8 len)
{
	struct kiwi_mpa_rr rep = {
		.reply = true,
		.reject = true,
		.rev = cep->req.rev == 1 ? 1 : 2,
		.pdata = pdata,
		.pdata_len = len,
	};

	if (cep->sock && !kiwi_cep_send_rr(cep, &rep))
		kiwi_cep_sock_release(cep, true);
	kiwi_cep_fail(cep, -ECONNREFUSED, NULL, 0);
}

/* Passive side: the MPA request is here; offer it to the listener. */
static void kiwi_cep_request(struct kiwi_cep *cep)
{
	enum kiwi_wire_err why = KIWI_WERR_NONE;
	struct kiwi_mpa_params agreed;
	struct kiwi_mpa_rr rep;
	struct iw_cm_id *lid;
	int ret;

	ret = kiwi_cep_read_rr(cep, false, &why);
	if (ret == -EAGAIN)
		return;
	if (ret) {
		kiwi_dbg_cep(cep, "bad request: %d (%s)\n", ret,
			     kiwi_wire_err_name(why));
		kiwi_cep_fail(cep, ret, NULL, 0);
		return;
	}
	/* Refuse now what no accept could fix: a policy mismatch. */
	kiwi_policy_init(&cep->pol, KIWI_MAX_IRD, KIWI_MAX_ORD, false);
	why = kiwi_mpa_negotiate_responder(&cep->pol, &cep->req, &rep, &agreed);
	if (why && why != KIWI_WERR_MPA_INSUFF_IRD) {
		kiwi_dbg_cep(cep, "request refused: %s\n",
			     kiwi_wire_err_name(why));
		kiwi_cep_reject(cep, NULL, 0);
		return;
	}

	mutex_lock(&kiwi_listen_mutex);
	lid = cep->lent ? cep->listen_cm_id : NULL;
	if (cep->lent) {
		list_del_init(&cep->lent_node);
		cep->lent = NULL;
	}
	mutex_unlock(&kiwi_listen_mutex);
	if (!lid) {
		kiwi_cep_reject(cep, NULL, 0);
		return;
	}
	/* iw_cm hands this id back with accept or reject. */
	ret = xa_alloc_cyclic(&cep->kdev->cep_xa, &cep->id, cep,
			      XA_LIMIT(1, U32_MAX), &cep->kdev->cep_next,
			      GFP_KERNEL);
	if (ret < 0) {
		kiwi_cep_reject(cep, NULL, 0);
		return;
	}
	kiwi_cep_get(cep);
	cep->state = KIWI_CEP_MPA_REQ_RCVD;
	kiwi_cep_arm(cep, KIWI_ACCEPT_TIMEOUT_MS);
	kiwi_cep_event(cep, lid, IW_CM_EVENT_CONNECT_REQUEST, 0,
		       cep->req.pdata, min_t(u16, cep->req.pdata_len, U8_MAX));
	lid->rem_ref(lid);
	cep->listen_cm_id = NULL;
}

/* Connected endpoint: the TCP state changed. */
static void kiwi_cep_rts_state(struct kiwi_cep *cep)
{
	struct sock *sk = cep->sock->sk;
	struct kiwi_qp *qp = cep->qp;

	switch (READ_ONCE(sk->sk_state)) {
	case TCP_CLOSE_WAIT:
		/* The peer closed in order: finish ours, then FIN. */
		if (!cep->graceful && cep->cm_id)
			kiwi_cep_event(cep, cep->cm_id, IW_CM_EVENT_DISCONNECT,
				       0, NULL, 0);
		cep->graceful = true;
		kiwi_qp_closing(qp);
		kiwi_cep_arm(cep, KIWI_MPA_TIMEOUT_MS);
		break;
	case TCP_CLOSE:
	case TCP_TIME_WAIT:
		if (READ_ONCE(sk->sk_err) || !cep->graceful) {
			cep->graceful = false;
			cep->close_status = -ECONNRESET;
		}
		kiwi_qp_error(qp);
		break;
	default:
		break;
	}
}

static void kiwi_cep_work(struct work_struct *work)
{
	struct kiwi_cep *cep = container_of(work, struct kiwi_cep, work);
	unsigned long ev;
	struct sock *sk;

	mutex_lock(&cep->lock);
	ev = xchg(&cep->events, 0);
	/* A timer that fired as it was being disarmed is stale. */
	if (!cep->deadline || time_before(jiffies, cep->deadline))
		ev &= ~BIT(KIWI_CEV_TIMEOUT);
	else
		cep->deadline = 0;
	sk = cep->sock ? cep->sock->sk : NULL;
	if (!sk || cep->state == KIWI_CEP_CLOSED)
		goto out;

	if (ev & BIT(KIWI_CEV_ABORT)) {
		if (cep->state == KIWI_CEP_RTS)
			kiwi_qp_error(cep->qp);
		else
			kiwi_cep_fail(cep, -ECONNRESET, NULL, 0);
		goto out;
	}

	switch (cep->state) {
	case KIWI_CEP_CONNECTING:
		if (READ_ONCE(sk->sk_state) == TCP_ESTABLISHED) {
			kiwi_cep_connected(cep);
			if (cep->state == KIWI_CEP_MPA_REQ_SENT)
				kiwi_cep_reply(cep);
		} else if (ev & BIT(KIWI_CEV_TIMEOUT)) {
			kiwi_cep_fail(cep, -ETIMEDOUT, NULL, 0);
		} else if (READ_ONCE(sk->sk_state) == TCP_CLOSE) {
			kiwi_cep_fail(cep, -(READ_ONCE(sk->sk_err) ?:
					     ECONNREFUSED), NULL, 0);
		}
		break;
	case KIWI_CEP_MPA_REQ_SENT:
		if (ev & BIT(KIWI_CEV_TIMEOUT)) {
			kiwi_cep_fail(cep, -ETIMEDOUT, NULL, 0);
			break;
		}
		kiwi_cep_reply(cep);
		if (cep->state == KIWI_CEP_MPA_REQ_SENT &&
		    READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
			kiwi_cep_fail(cep, -ECONNRESET, NULL, 0);
		break;
	case KIWI_CEP_MPA_REQ_WAIT:
		if (ev & BIT(KIWI_CEV_TIMEOUT)) {
			kiwi_cep_fail(cep, -ETIMEDOUT, NULL, 0);
			break;
		}
		kiwi_cep_request(cep);
		if (cep->state == KIWI_CEP_MPA_REQ_WAIT &&
		    READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
			kiwi_cep_fail(cep, -ECONNRESET, NULL, 0);
		break;
	case KIWI_CEP_MPA_REQ_RCVD:
		/* Nobody accepted in time: the peer gets a reset. */
		if (ev & BIT(KIWI_CEV_TIMEOUT))
			kiwi_cep_fail(cep, -ETIMEDOUT, NULL, 0);
		break;
	case KIWI_CEP_RTS:
		if (ev & BIT(KIWI_CEV_DRAINED) && !cep->fin_sent) {
			cep->fin_sent = true;
			cep->graceful = true;
			kernel_sock_shutdown(cep->sock, SHUT_WR);
			kiwi_cep_arm(cep, KIWI_MPA_TIMEOUT_MS);
		}
		if (ev & BIT(KIWI_CEV_TIMEOUT)) {
			/* The peer did not finish closing in time. */
			cep->graceful = false;
			cep->close_status = -ETIMEDOUT;
			kiwi_qp_error(cep->qp);
			break;
		}
		if (ev & BIT(KIWI_CEV_STATE))
			kiwi_cep_rts_state(cep);
		break;
	default:
		break;
	}
out:
	mutex_unlock(&cep->lock);
	kiwi_cep_put(cep);
}

/* ---- the QP's side ---- */

/* Context: process, QP transmitter owned (so the socket stays). */
struct socket *kiwi_cm_qp_sock(struct kiwi_qp *qp)
{
	struct kiwi_cep *cep = READ_ONCE(qp->cep);

	return cep ? READ_ONCE(cep->sock) : NULL;
}

/* Context: process, QP transmitter owned: CLOSING and nothing to send. */
void kiwi_cm_qp_drained(struct kiwi_qp *qp)
{
	struct kiwi_cep *cep = qp->cep;

	if (cep && !cep->fin_sent)
		kiwi_cep_queue(cep, KIWI_CEV_DRAINED);
}

/**
 * kiwi_cm_qp_detach() - take a QP in ERROR off its connection
 * @qp: the QP; the caller owns its transmitter
 *
 * Stops the receiver and releases the socket: in order (FIN) if the
 * connection was closing in order or a TERMINATE was sent, else with a
 * reset.
 *
 * Context: process.
 * Return: the endpoint, referenced, for kiwi_cm_qp_closed(); or NULL.
 */
struct kiwi_cep *kiwi_cm_qp_detach(struct kiwi_qp *qp)
{
	struct kiwi_cep *cep;

	spin_lock_bh(&qp->state_lock);
	cep = qp->cep;
	qp->cep = NULL;
	spin_unlock_bh(&qp->state_lock);
	if (!cep)
		return NULL;

	mutex_lock(&cep->lock);
	kiwi_cep_disarm(cep);
	kiwi_cep_sock_release(cep, cep->graceful || qp->term_sent);
	cep->state = KIWI_CEP_CLOSED;
	mutex_unlock(&cep->lock);
	return cep;
}

/**
 * kiwi_cm_qp_closed() - the QP is flushed: report the close to iw_cm
 * @cep: what kiwi_cm_qp_detach() returned
 *
 * Context: process.
 */
void kiwi_cm_qp_closed(struct kiwi_cep *cep)
{
	struct kiwi_qp *qp;

	mutex_lock(&cep->lock);
	if (cep->cm_id && cep->established && !cep->closed) {
		cep->closed = true;
		kiwi_cep_event(cep, cep->cm_id, IW_CM_EVENT_CLOSE,
			       cep->close_status, NULL, 0);
	}
	kiwi_cep_drop_cm_id(cep);
	qp = cep->qp;
	cep->qp = NULL;
	mutex_unlock(&cep->lock);
	if (qp)
		kiwi_qp_put(qp);
	/* The QP's reference on the endpoint. */
	kiwi_cep_put(cep);
}

/* ---- iw_cm downcalls ---- */

static int kiwi_check_pdata(u8 len, u8 rev)
{
	return len > kiwi_mpa_max_pdata(rev == 2) ? -EINVAL : 0;
}

/* Context: process; rdma_cm's handler_mutex held. */
int kiwi_iw_connect(struct iw_cm_id *cm_id, struct iw_cm_conn_param *param)
{
	struct kiwi_device *kdev = to_kiwi_dev(cm_id->device);
	struct sockaddr_storage *laddr = &cm_id->m_local_addr;
	struct sockaddr_storage *raddr = &cm_id->m_remote_addr;
	struct kiwi_cep *cep;
	struct kiwi_qp *qp;
	struct net *net;
	bool retry;
	int ret;

	if (laddr->ss_family != raddr->ss_family)
		return -EINVAL;
	qp = kiwi_qp_get_owned(kdev, param->qpn);
	if (!qp)
		return -EINVAL;
	if (READ_ONCE(qp->state) != KIWI_QPS_IDLE) {
		ret = -EINVAL;
		goto err_qp;
	}
	cep = kiwi_cep_alloc(kdev);
	if (!cep) {
		ret = -ENOMEM;
		goto err_qp;
	}
	cep->initiator = true;
	kiwi_policy_init(&cep->pol, param->ird, param->ord, true);
	ret = kiwi_check_pdata(param->private_data_len, cep->pol.rev);
	if (ret)
		goto err_cep;
	ret = kiwi_mpa_request_init(&cep->pol, &cep->req);
	if (ret)
		goto err_cep;
	memcpy(cep->pdata, param->private_data, param->private_data_len);
	cep->req.pdata = cep->pdata;
	cep->req.pdata_len = param->private_data_len;

	/*
	 * rdma_cm allocates ports from a table of its own that knows
	 * nothing of TCP's (Documentation/port-space.rst).  The port it
	 * picked may be held by a TCP socket (the bind fails), or its
	 * last connection to this peer may still be in TIME_WAIT (the
	 * connect fails).  Either way, if it is an ephemeral port, TCP
	 * picks another; CONNECT_REPLY reports the address actually used
	 * and rdma_cm takes it from there.  A port outside the range was
	 * asked for: its error stands.
	 */
	net = kiwi_cm_id_net(cm_id);
	retry = kiwi_port_ephemeral(net, laddr);
	ret = kiwi_cep_sock_bind(cep, net, laddr, false);
	if (ret == -EADDRINUSE && retry) {
		kiwi_dbg_cep(cep, "port is taken: binding to any\n");
		retry = false;
		ret = kiwi_cep_sock_bind(cep, net, laddr, true);
	}
	if (ret)
		goto err_cep;

	mutex_lock(&cep->lock);
	cep->qp = qp;
	cm_id->add_ref(cm_id);
	cep->cm_id = cm_id;
	cm_id->provider_data = cep;
	cep->state = KIWI_CEP_CONNECTING;
	kiwi_sock_attach(cep);
	ret = kernel_connect(cep->sock, (struct sockaddr *)raddr,
			     kiwi_addr_len(raddr), O_NONBLOCK);
	if (ret == -EADDRNOTAVAIL && retry) {
		kiwi_dbg_cep(cep, "connection in TIME_WAIT: binding to any\n");
		kiwi_cep_sock_release(cep, false);
		ret = kiwi_cep_sock_bind(cep, net, laddr, true);
		if (!ret) {
			kiwi_sock_attach(cep);
			ret = kernel_connect(cep->sock,
					     (struct sockaddr *)raddr,
					     kiwi_addr_len(raddr), O_NONBLOCK);
		}
	}
	if (ret && ret != -EINPROGRESS) {
		/* No event for a connect that fails synchronously. */
		cep->closed = true;
		kiwi_cep_fail(cep, ret, NULL, 0);
		mutex_unlock(&cep->lock);
		kiwi_cep_put(cep);
		return ret;
	}
	kiwi_cep_arm(cep, KIWI_MPA_TIMEOUT_MS);
	mutex_unlock(&cep->lock);
	/* The connection may be up before the callbacks were in place. */
	kiwi_cep_queue(cep, KIWI_CEV_STATE);
	kiwi_cep_put(cep);
	return 0;

err_cep:
	kiwi_cep_put(cep);
err_qp:
	kiwi_qp_put(qp);
	return ret;
}

/* Claim the endpoint iw_cm's CONNECT_REQUEST carried. */
static struct kiwi_cep *kiwi_cep_claim(struct iw_cm_id *cm_id)
{
	struct kiwi_device *kdev = to_kiwi_dev(cm_id->device);
	u32 id = (uintptr_t)cm_id->provider_data;

	/* Whoever erases it owns the answer: accept, reject or timeout. */
	return id ? xa_erase(&kdev->cep_xa, id) : NULL;
}

/* Context: process; rdma_cm's handler_mutex held. */
int kiwi_iw_accept(struct iw_cm_id *cm_id, struct iw_cm_conn_param *param)
{
	struct kiwi_device *kdev = to_kiwi_dev(cm_id->device);
	struct kiwi_cep *cep = kiwi_cep_claim(cm_id);
	struct kiwi_mpa_rr rep;
	enum kiwi_wire_err why;
	struct kiwi_qp *qp;
	int ret;

	if (!cep)
		return -ECONNRESET;
	mutex_lock(&cep->lock);
	kiwi_cep_disarm(cep);
	if (cep->state != KIWI_CEP_MPA_REQ_RCVD || !cep->sock) {
		ret = -ECONNRESET;
		goto out;
	}
	qp = kiwi_qp_get_owned(kdev, param->qpn);
	if (!qp || READ_ONCE(qp->state) != KIWI_QPS_IDLE) {
		if (qp)
			kiwi_qp_put(qp);
		ret = -EINVAL;
		kiwi_cep_fail(cep, ret, NULL, 0);
		goto out;
	}
	cep->qp = qp;
	kiwi_policy_init(&cep->pol, param->ird, param->ord, false);
	why = kiwi_mpa_negotiate_responder(&cep->pol, &cep->req, &rep,
					   &cep->agreed);
	ret = kiwi_check_pdata(param->private_data_len, rep.rev);
	if (why || ret) {
		kiwi_dbg_cep(cep, "cannot accept: %s\n",
			     kiwi_wire_err_name(why));
		kiwi_cep_reject(cep, NULL, 0);
		ret = ret ?: -EINVAL;
		goto out;
	}
	rep.pdata = param->private_data;
	rep.pdata_len = param->private_data_len;
	ret = kiwi_cep_send_rr(cep, &rep);
	if (ret) {
		kiwi_cep_fail(cep, ret, NULL, 0);
		goto out;
	}
	ret = kiwi_qp_to_rts(qp, cep, &cep->agreed, false);
	if (ret) {
		kiwi_cep_fail(cep, ret, NULL, 0);
		goto out;
	}
	cm_id->add_ref(cm_id);
	cep->cm_id = cm_id;
	kiwi_cep_go_rts(cep, qp);
	kiwi_cep_event(cep, cm_id, IW_CM_EVENT_ESTABLISHED, 0, NULL, 0);
	kiwi_cep_rx_kick(cep);
	/* A close that raced the accept is handled now. */
	kiwi_cep_queue(cep, KIWI_CEV_STATE);
out:
	mutex_unlock(&cep->lock);
	/* The cep_xa entry's reference. */
	kiwi_cep_put(cep);
	return ret;
}

/* Context: process; rdma_cm's handler_mutex held. */
int kiwi_iw_reject(struct iw_cm_id *cm_id, const void *pdata, u8 len)
{
	struct kiwi_cep *cep = kiwi_cep_claim(cm_id);

	if (!cep)
		return -ECONNRESET;
	mutex_lock(&cep->lock);
	kiwi_cep_disarm(cep);
	if (cep->state == KIWI_CEP_MPA_REQ_RCVD) {
		if (kiwi_check_pdata(len, cep->req.rev))
			len = 0;
		kiwi_cep_reject(cep, pdata, len);
	}
	mutex_unlock(&cep->lock);
	kiwi_cep_put(cep);
	return 0;
}

/* ---- listening ---- */

static void kiwi_listener_work(struct work_struct *work)
{
	struct kiwi_listener *l = container_of(work, struct kiwi_listener,
					       work);
	struct kiwi_listen_ent *match;
	struct socket *nsock;
	struct kiwi_cep *cep;

	for (;;) {
		mutex_lock(&kiwi_listen_mutex);
		if (l->dead ||
		    kernel_accept(l->sock, &nsock, O_NONBLOCK)) {
			mutex_unlock(&kiwi_listen_mutex);
			return;
		}
		/* The child inherited the listener's callback and data. */
		write_lock_bh(&nsock->sk->sk_callback_lock);
		nsock->sk->sk_user_data = NULL;
		nsock->sk->sk_data_ready = l->saved_data_ready;
		write_unlock_bh(&nsock->sk->sk_callback_lock);
		nsock->sk->sk_allocation = GFP_NOIO;
		tcp_sock_set_nodelay(nsock->sk);
		match = list_first_entry_or_null(&l->ents,
						 struct kiwi_listen_ent, node);
		cep = match ? kiwi_cep_alloc(match->kdev) : NULL;
		if (!cep) {
			mutex_unlock(&kiwi_listen_mutex);
			sock_release(nsock);
			continue;
		}
		cep->sock = nsock;
		cep->lent = match;
		list_add_tail(&cep->lent_node, &match->ceps);
		match->cm_id->add_ref(match->cm_id);
		cep->listen_cm_id = match->cm_id;
		mutex_unlock(&kiwi_listen_mutex);

		mutex_lock(&cep->lock);
		cep->state = KIWI_CEP_MPA_REQ_WAIT;
		kiwi_sock_attach(cep);
		kiwi_cep_arm(cep, KIWI_MPA_TIMEOUT_MS);
		mutex_unlock(&cep->lock);
		/* The request may already be queued on the socket. */
		kiwi_cep_queue(cep, KIWI_CEV_DATA);
		kiwi_cep_put(cep);
	}
}

/* Context: softirq.  Connections wait in the accept queue. */
static void kiwi_listen_data_ready(struct sock *sk)
{
	struct kiwi_listener *l;

	read_lock_bh(&sk->sk_callback_lock);
	l = sk->sk_user_data;
	if (l)
		queue_work(kiwi_wq, &l->work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static bool kiwi_addr_wildcard(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return ipv6_addr_any(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

static int kiwi_listener_create(struct net *net, struct kiwi_device *kdev,
				const struct sockaddr_storage *addr,
				bool afonly, int backlog,
				struct kiwi_listener **res)
{
	struct kiwi_listener *l;
	struct sock *sk;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	INIT_LIST_HEAD(&l->ents);
	INIT_WORK(&l->work, kiwi_listener_work);
	l->net = net;
	l->addr = *addr;
	ret = kiwi_sock_create(l->net, addr->ss_family, &l->sock);
	if (ret)
		goto err_free;
	sock_set_reuseaddr(l->sock->sk);
	/*
	 * A wildcard listen takes the port on this device's netdev only,
	 * as siw's does: devices of one namespace, kiwi's and siw's, can
	 * listen on the same port side by side.
	 */
	if (kiwi_addr_wildcard(addr)) {
		ret = sock_bindtoindex(l->sock->sk, kdev->netdev->ifindex,
				       false);
		if (ret)
			goto err_sock;
	}
	/*
	 * An IPv6 listen serves IPv4 too unless rdma_cm's id says it is
	 * for IPv6 only (RDMA_OPTION_ID_AFONLY, or net.ipv6.bindv6only).
	 * nfsd listens on 0.0.0.0 and then on [::] with afonly set: a
	 * dual-stack socket would find the port taken by the first.
	 */
	if (addr->ss_family == AF_INET6 && afonly) {
		ret = ip6_sock_set_v6only(l->sock->sk);
		if (ret)
			goto err_sock;
	}
	/*
	 * A synchronous bind, so that a port taken by anyone, TCP or
	 * iWARP, fails rdma_listen() with EADDRINUSE.
	 */
	ret = kernel_bind(l->sock, (struct sockaddr *)addr,
			  kiwi_addr_len(addr));
	if (ret)
		goto err_sock;
	ret = kernel_listen(l->sock, backlog > 0 ? backlog : 128);
	if (ret)
		goto err_sock;
	sk = l->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	l->saved_data_ready = sk->sk_data_ready;
	sk->sk_user_data = l;
	sk->sk_data_ready = kiwi_listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	list_add(&l->node, &kiwi_listeners);
	*res = l;
	return 0;

err_sock:
	sock_release(l->sock);
err_free:
	kfree(l);
	return ret;
}

/* Context: process, kiwi_listen_mutex held; the listener has no ids. */
static void kiwi_listener_destroy(struct kiwi_listener *l)
{
	struct sock *sk = l->sock->sk;

	lockdep_assert_held(&kiwi_listen_mutex);
	l->dead = true;
	list_del(&l->node);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = l->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	/* The work takes kiwi_listen_mutex: wait for it without holding it. */
	mutex_unlock(&kiwi_listen_mutex);
	cancel_work_sync(&l->work);
	sock_release(l->sock);
	kfree(l);
	mutex_lock(&kiwi_listen_mutex);
}

/* Context: process; rdma_cm's mutexes held. */
int kiwi_iw_create_listen(struct iw_cm_id *cm_id, int backlog)
{
	struct kiwi_device *kdev = to_kiwi_dev(cm_id->device);
	struct sockaddr_storage *addr = &cm_id->m_local_addr;
	struct kiwi_listen_ent *ent;
	struct kiwi_listener *l;
	struct net *net;
	int ret;

	if (addr->ss_family != AF_INET && addr->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	ent = kzalloc(sizeof(*ent), GFP_KERNEL);
	if (!ent)
		return -ENOMEM;
	INIT_LIST_HEAD(&ent->ceps);
	ent->cm_id = cm_id;
	ent->kdev = kdev;

	net = kiwi_cm_id_net(cm_id);
	if (!net_eq(net, kiwi_dev_net(kdev))) {
		/*
		 * rdma_cm offers a wildcard listen to every device, in every
		 * namespace; a device elsewhere must not take connections
		 * for it.  Keep an entry without a listener.
		 */
		if (!kiwi_addr_wildcard(addr)) {
			kfree(ent);
			return -EADDRNOTAVAIL;
		}
		cm_id->add_ref(cm_id);
		cm_id->provider_data = ent;
		return 0;
	}

	mutex_lock(&kiwi_listen_mutex);
	ret = kiwi_listener_create(net, kdev, addr, cm_id->afonly, backlog,
				   &l);
	if (!ret) {
		ent->l = l;
		list_add_tail(&ent->node, &l->ents);
		cm_id->add_ref(cm_id);
		cm_id->provider_data = ent;
	}
	mutex_unlock(&kiwi_listen_mutex);
	if (ret)
		kfree(ent);
	return ret;
}

/* Context: process; iw_cm destroys the listening id. */
int kiwi_iw_destroy_listen(struct iw_cm_id *cm_id)
{
	struct kiwi_listen_ent *ent = cm_id->provider_data;
	struct kiwi_cep *cep, *tmp;
	struct kiwi_listener *l;

	if (!ent)
		return 0;
	mutex_lock(&kiwi_listen_mutex);
	l = ent->l;
	if (!l) {
		/* A device outside the listener's namespace: nothing bound. */
		mutex_unlock(&kiwi_listen_mutex);
		goto out;
	}
	list_del(&ent->node);
	/* Connections still negotiating for this id are dropped. */
	list_for_each_entry_safe(cep, tmp, &ent->ceps, lent_node) {
		list_del_init(&cep->lent_node);
		cep->lent = NULL;
		kiwi_cep_queue(cep, KIWI_CEV_ABORT);
	}
	if (list_empty(&l->ents))
		kiwi_listener_destroy(l);
	mutex_unlock(&kiwi_listen_mutex);
out:
	cm_id->provider_data = NULL;
	kfree(ent);
	cm_id->rem_ref(cm_id);
	return 0;
}

/**
 * kiwi_cm_device_teardown() - abort every endpoint of a device
 * @kdev: the device, being unregistered: its QPs and cm_ids are gone
 *
 * Context: process.  Waits until all endpoints are freed.
 */
void kiwi_cm_device_teardown(struct kiwi_device *kdev)
{
	struct kiwi_cep *cep;

	spin_lock_bh(&kdev->cep_lock);
	list_for_each_entry(cep, &kdev->ceps, dev_node) {
		/* Skip one whose last reference is going right now. */
		if (!kref_get_unless_zero(&cep->ref))
			continue;
		kiwi_cep_queue(cep, KIWI_CEV_ABORT);
		kiwi_cep_put(cep);
	}
	spin_unlock_bh(&kdev->cep_lock);
	wait_var_event(&kdev->num_cep, !atomic_read(&kdev->num_cep));
}
