/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: connection management for iw_cm: listeners, connection
 * endpoints, the MPA exchange and connection teardown.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_CM_H
#define KIWI_CM_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <rdma/iw_cm.h>

#include <kiwi/mpa.h>

struct kiwi_device;
struct kiwi_qp;
struct kiwi_listen_ent;

enum kiwi_cep_state {
	KIWI_CEP_IDLE,
	KIWI_CEP_CONNECTING,	/* active: TCP handshake under way */
	KIWI_CEP_MPA_REQ_SENT,	/* active: request sent, awaiting reply */
	KIWI_CEP_MPA_REQ_WAIT,	/* passive: awaiting the request */
	KIWI_CEP_MPA_REQ_RCVD,	/* passive: CONNECT_REQUEST delivered */
	KIWI_CEP_RTS,		/* connected; the QP owns the stream */
	KIWI_CEP_CLOSED,	/* socket released */
	KIWI_CEP_NUM
};

/**
 * struct kiwi_cep - a connection endpoint: one TCP connection
 * @ref: the creator's reference, the attached QP's, queued work's, and
 *	the cep_xa entry's while awaiting accept
 * @kdev: the device
 * @lock: serialises state changes and the socket's setup and release;
 *	process context only.  Lock order: QP transmitter, @lock, socket.
 * @state: enum kiwi_cep_state, under @lock
 * @sock: the TCP socket, until released
 * @cm_id: the iw_cm id events go to, referenced (add_ref) while set
 * @listen_cm_id: passive: the listening id, referenced, until the
 *	CONNECT_REQUEST is delivered
 * @lent: passive: the listen entry while the request is awaited, under
 *	kiwi_listen_mutex
 * @lent_node: entry on @lent's list of endpoints
 * @dev_node: entry on the device's endpoint list, for teardown
 * @qp: the QP: the one being connected (active), then the attached one;
 *	referenced
 * @rx_qp: the QP whose receiver the socket feeds, or NULL; written under
 *	the socket's sk_callback_lock
 * @id: key in kdev->cep_xa while awaiting accept/reject
 * @initiator: this end sent the MPA request
 * @established: CONNECT_REPLY(0) or ESTABLISHED was delivered
 * @closed: CLOSE, or a failing CONNECT_REPLY, was delivered
 * @graceful: the connection is closing in order (FIN, not RST)
 * @fin_sent: this end shut its sending side down
 * @close_status: status for the CLOSE event
 * @events: KIWI_CEV_* bits set by socket callbacks and timers
 * @work: processes @events
 * @timer: MPA, accept and close timeouts
 * @deadline: when the armed timeout expires, 0 when disarmed; under @lock
 * @pol: local MPA policy
 * @req: active: the request sent; passive: the request received
 * @pdata: active: the private data sent
 * @buf: MPA frame bytes received so far
 * @got: bytes in @buf
 * @agreed: negotiated parameters
 * @saved_data_ready: the socket's original callback
 * @saved_state_change: the socket's original callback
 * @saved_write_space: the socket's original callback
 */
struct kiwi_cep {
	struct kref ref;
	struct kiwi_device *kdev;
	struct mutex lock;		/* see above: state, socket, ids */
	enum kiwi_cep_state state;
	struct socket *sock;
	struct iw_cm_id *cm_id;
	struct iw_cm_id *listen_cm_id;
	struct kiwi_listen_ent *lent;
	struct list_head lent_node;
	struct list_head dev_node;
	struct kiwi_qp *qp;
	struct kiwi_qp *rx_qp;
	u32 id;
	bool initiator;
	bool established;
	bool closed;
	bool graceful;
	bool fin_sent;
	int close_status;
	unsigned long events;
	struct work_struct work;
	struct delayed_work timer;
	unsigned long deadline;
	struct kiwi_mpa_policy pol;
	struct kiwi_mpa_rr req;
	u8 pdata[KIWI_MPA_MAX_PD];
	u8 buf[KIWI_MPA_MAX_FRAME];
	u32 got;
	struct kiwi_mpa_params agreed;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
};

void kiwi_cep_get(struct kiwi_cep *cep);
void kiwi_cep_put(struct kiwi_cep *cep);

int kiwi_iw_connect(struct iw_cm_id *cm_id,
		    struct iw_cm_conn_param *param);
int kiwi_iw_accept(struct iw_cm_id *cm_id, struct iw_cm_conn_param *param);
int kiwi_iw_reject(struct iw_cm_id *cm_id, const void *pdata, u8 len);
int kiwi_iw_create_listen(struct iw_cm_id *cm_id, int backlog);
int kiwi_iw_destroy_listen(struct iw_cm_id *cm_id);

struct socket *kiwi_cm_qp_sock(struct kiwi_qp *qp);
void kiwi_cm_qp_drained(struct kiwi_qp *qp);
struct kiwi_cep *kiwi_cm_qp_detach(struct kiwi_qp *qp);
void kiwi_cm_qp_closed(struct kiwi_cep *cep);
void kiwi_cm_device_teardown(struct kiwi_device *kdev);
int kiwi_cm_init(void);
void kiwi_cm_exit(void);

#endif /* KIWI_CM_H */
