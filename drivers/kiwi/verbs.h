/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: device-level verbs (queries and identity).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_VERBS_H
#define KIWI_VERBS_H

#include <rdma/ib_verbs.h>

extern const struct attribute_group kiwi_dev_attr_group;

void kiwi_get_dev_fw_str(struct ib_device *ibdev, char *str);
struct rdma_hw_stats *kiwi_alloc_hw_port_stats(struct ib_device *ibdev,
					       u32 port);
int kiwi_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		      u32 port, int index);
struct net_device *kiwi_get_netdev(struct ib_device *ibdev, u32 port);
int kiwi_get_port_immutable(struct ib_device *ibdev, u32 port,
			    struct ib_port_immutable *imm);
int kiwi_alloc_ucontext(struct ib_ucontext *ibuctx, struct ib_udata *udata);
void kiwi_dealloc_ucontext(struct ib_ucontext *ibuctx);
int kiwi_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
int kiwi_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
int kiwi_query_device(struct ib_device *ibdev, struct ib_device_attr *attr,
		      struct ib_udata *udata);
int kiwi_query_gid(struct ib_device *ibdev, u32 port, int index,
		   union ib_gid *gid);
int kiwi_query_pkey(struct ib_device *ibdev, u32 port, u16 index, u16 *pkey);
int kiwi_query_port(struct ib_device *ibdev, u32 port,
		    struct ib_port_attr *attr);

#endif /* KIWI_VERBS_H */
