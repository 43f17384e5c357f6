#ifndef TIDE_CPROCESSSPAWN_H
#define TIDE_CPROCESSSPAWN_H

// epoll is not in Swift's Glibc module: it comes to Swift through this header.
#include <sys/epoll.h>
#include <sys/types.h>

/// A pipe for a task's output: both ends close-on-exec, the read end (`fds[0]`) non-blocking.
/// Returns 0, or -1 with errno set.
int tide_output_pipe(int fds[2]);

/// Starts `path` with `argv` and `envp` (NULL-terminated) as the leader of a new process group:
/// standard input from /dev/null, standard output and error both to `output_fd`, every other
/// descriptor closed, signal mask empty and every signal at its default disposition.
/// Returns 0 and sets `*pid`, or an errno value.
int tide_spawn_process(pid_t *pid, const char *path, int output_fd, char *const argv[], char *const envp[]);

/// A descriptor that becomes readable when `pid` ends (`pidfd_open`), or -1 with errno set.
int tide_process_descriptor(pid_t pid);

/// Reaps `pid` if it has ended, without waiting: 1 with `*exit_code` (or `*signal_number`, for a
/// process a signal ended) set, 0 while it runs, -1 with errno set.
int tide_reap_process(pid_t pid, int *exit_code, int *signal_number);

#endif
