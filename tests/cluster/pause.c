/* The pod sandbox's process for the real test cluster (registry.k8s.io/pause:3.10 is imported
 * under that name, never pulled): waits for signals; SIGINT/SIGTERM end it, children are reaped. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "-v") == 0) { puts("pause (argocd-preflight test cluster)"); return 0; }
    if (getpid() != 1) fputs("pause: warning: not PID 1\n", stderr);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = reap;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    for (;;) pause();
}
