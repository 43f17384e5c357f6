// posix_spawn_file_actions_addclosefrom_np (glibc 2.34 and later).
#define _GNU_SOURCE
#include "CProcessSpawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int tide_output_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    return 0;
}

int tide_spawn_process(pid_t *pid, const char *path, int output_fd, char *const argv[], char *const envp[]) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigset_t no_signals, all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
    // Descriptors a C library opened without close-on-exec (a Redis socket) must not reach tasks.
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &no_signals);
    // Ignored signals stay ignored across exec: a task starts with none ignored, whatever Tide ignores.
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &all_signals);
    if (rc == 0) rc = posix_spawnattr_setpgroup(&attributes, 0);
    if (rc == 0)
        rc = posix_spawnattr_setflags(
            &attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int tide_process_descriptor(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int tide_reap_process(pid_t pid, int *exit_code, int *signal_number) {
    int status = 0;
    pid_t reaped = waitpid(pid, &status, WNOHANG);
    if (reaped == 0) return 0;
    if (reaped != pid) return -1;
    if (WIFEXITED(status)) {
        *exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        *signal_number = WTERMSIG(status);
    }
    return 1;
}
