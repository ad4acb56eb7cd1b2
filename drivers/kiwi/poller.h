/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: the SQ poller, a kernel thread per device that picks up work
 * processes post to their mapped send queues, so that posting needs no
 * system call.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_POLLER_H
#define KIWI_POLLER_H

struct kiwi_device;
struct kiwi_qp;

void kiwi_poller_add(struct kiwi_qp *qp);
void kiwi_poller_del(struct kiwi_qp *qp);
void kiwi_poller_wake(struct kiwi_qp *qp);
void kiwi_poller_stop(struct kiwi_device *kdev);

#endif /* KIWI_POLLER_H */
