/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: the doorbell file, a cheaper way into the kernel than a uverbs
 * command for a process whose SQ poller sleeps or is off.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_DB_H
#define KIWI_DB_H

struct kiwi_ucontext;

int kiwi_db_open(struct kiwi_ucontext *uctx, struct file **filep);
void kiwi_db_detach(struct kiwi_ucontext *uctx);

#endif /* KIWI_DB_H */
