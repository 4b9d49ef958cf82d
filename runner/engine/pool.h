/* pool.h: a session's SSH connections, one per host, shared by everything the
 * session runs on its hosts: the engine's ssh.exec, the drill's streams, quiz
 * practicals and the final recover pass. A host is connected once and its
 * connection reused until the pool is freed. */
#ifndef GD_POOL_H
#define GD_POOL_H

#include <stddef.h>

#include "inventory.h"
#include "ssh.h"

struct gd_pool;

/* A pool over inv's hosts (borrowed, may be NULL: then only hosts given by
 * gd_pool_conn are known) with the options o (copied; progress is dropped). */
struct gd_pool *gd_pool_new(const struct gd_ssh_opts *o, const struct gd_inventory *inv);

/* The connection of inventory host i (an index into inv->hosts), added on first use. */
size_t gd_pool_host(struct gd_pool *p, size_t i);

/* The connection for a host described by its connection fields (a journal's
 * record, say): the inventory host with the same name, address, port, user,
 * key, known_hosts and become when there is one, else one the pool keeps a
 * copy of. */
size_t gd_pool_conn(struct gd_pool *p, const struct gd_host *h);

/* The host of connection c (borrowed). */
const struct gd_host *gd_pool_conn_host(const struct gd_pool *p, size_t c);

/* Runs cmds[k] on connection conn[k] for k < n, all at once (each connection
 * at most once per call), with a command timeout of timeout_ms (-1: the
 * pool's default; 0: none); res[k] gets its result (the caller frees each). */
void gd_pool_exec(struct gd_pool *p, const size_t *conn, const char *const *cmds, size_t n,
    int timeout_ms, struct gd_ssh_result *res);

/* The connection set itself, for streams (gd_ssh_stream takes connection
 * indexes from gd_pool_host / gd_pool_conn); its command timeout is the
 * pool's default again after every gd_pool_exec. Borrowed. */
struct gd_ssh *gd_pool_ssh(struct gd_pool *p);

/* The pool's default command timeout (ms). */
int gd_pool_timeout(const struct gd_pool *p);

/* Disconnects every host and frees the pool. */
void gd_pool_free(struct gd_pool *p);

#endif
