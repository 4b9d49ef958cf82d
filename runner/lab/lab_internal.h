/* lab_internal.h: what the parts of runner/lab/ share, and only they.
 *
 * lab.c    up, down and status: the order of the steps, the state file
 *          (DIR/lab.json) and the files a lab writes for its users
 * net.c    the lab index, bridge, namespaces and veths (ip -batch)
 * hosts.c  each host's files and sshd, waiting for them, stopping them */
#ifndef GD_LAB_INTERNAL_H
#define GD_LAB_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "gd.h"
#include "lab.h"


#define LAB_MAX_INDEX 64            /* gdlab0..gdlab63, 10.231.0-63.0/24 */
#define LAB_DIR_MAX 200             /* keeps every path and ifalias short */
#define LAB_ALIAS "gameday-lab:"    /* ifalias of our bridge: owner dir */
#define LAB_LOCK "/run/gameday-lab.lock"
#define LAB_UP_MS 15000             /* all sshds must listen by then (and 30 ms a host) */
#define LAB_PER_SUBNET 252          /* hosts .2 to .253 of each /24; .254 is the bastion */
#define LAB_SUBNETS 4               /* 10.231-234.K.0/24: up to 1008 hosts */
#define LAB_TERM_MS 3000            /* SIGTERM grace before SIGKILL */
#define LAB_KILL_MS 5000
#define LAB_SSHD "/usr/sbin/sshd"
#define LAB_PYTHON "/usr/bin/python3"
struct host {
	char name[16];      /* lab3 */
	char addr[32];      /* 10.231.K.4 */
	char netns[32];     /* gdK-lab3 */
	pid_t unshare_pid;  /* 0 when not known */
	pid_t sshd_pid;
	int up;
};

struct lab {
	char dir[LAB_DIR_MAX + 1]; /* absolute */
	int k;              /* lab index, -1 until claimed */
	char newbr[IFNAMSIZ]; /* the bridge's name until it is gdlabK */
	int n;              /* hosts, the bastion included (the last one) */
	int bastion;        /* hosts[n - 1] is the bastion: the others answer it only */
	int services;       /* run the web service on every host */
	int srv_mb;         /* size of each host's /srv tmpfs */
	struct host *hosts;
};

/* The signal that interrupts an up (0: none); long steps check it. */
extern volatile sig_atomic_t gd_lab_intr;

/* lab.c */
int gd_lab_state_save(const struct lab *lab, char *err, size_t errlen);
/* Whether hosts[i] is the bastion. */
int gd_lab_is_bastion(const struct lab *lab, int i);

/* The subnets a lab of n hosts needs: 10.231.K.0/24, then 10.232.K.0/24 ... */
int gd_lab_nsubnets(const struct lab *lab);

/* net.c */
int gd_lab_prefix_num(const char *s, const char *prefix);
int gd_lab_any_matching(const char *dir, const char *prefix, char *name, size_t len);
/* Runs a NULL-terminated list of words, with in as stdin when not NULL.
 * On failure err names the command and carries its stderr. */
int gd_lab_run(const char *in, char *err, size_t errlen, ...) __attribute__((sentinel));
int gd_lab_lock(char *err, size_t errlen);
void gd_lab_link_alias(const char *ifname, char *buf, size_t len);
int gd_lab_claim(struct lab *lab, char *err, size_t errlen);
int gd_lab_net_up(struct lab *lab, char *err, size_t errlen);
int gd_lab_net_down(const struct lab *lab, int owned, char *err, size_t errlen);

/* hosts.c */
void gd_lab_host_path(char *buf, size_t len, const struct lab *lab, const struct host *h,
    const char *file);
int gd_lab_read_pub(const char *path, char *buf, size_t len, char *err, size_t errlen);
int gd_lab_host_files(struct lab *lab, char *err, size_t errlen);
int gd_lab_spawn_hosts(struct lab *lab, char *err, size_t errlen);
int gd_lab_wait_ssh(struct lab *lab, int timeout_ms, int starting, char *err, size_t errlen);
int gd_lab_cmdline_has(const struct lab *lab, pid_t pid, const char *want, int any_host);
int gd_lab_stop_hosts(const struct lab *lab, int owned, char *err, size_t errlen);
int gd_lab_find_sshd(struct lab *lab, struct host *h, char *err, size_t errlen);
void gd_lab_rm_files(const char *dir, const char *const names[]);
void gd_lab_files_down(const struct lab *lab);

#endif
