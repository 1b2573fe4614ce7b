/** What one run may use: each a hard stop that names itself (see sandbox.ts and tree-monitor.ts). */
export interface SandboxLimits {
  wallTimeMs: number;
  /**
   * CPU time of the whole run: the sum over its processes (tree-monitor.ts) stops it; each process
   * is also held to it by RLIMIT_CPU (SIGXCPU, then SIGKILL a second later).
   */
  cpuSeconds: number;
  /**
   * Memory of the whole run: the resident sets of its processes, summed (tree-monitor.ts), stop it
   * past this; each process's address space is also held to it (RLIMIT_AS).
   */
  memoryBytes: number;
  /** Processes and threads of the run at once (RLIMIT_NPROC, counted per sandbox). */
  processes: number;
  /** Largest file the run may write (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** stdout plus stderr; past it the run is killed and its output truncated. */
  outputBytes: number;
  /** Size of the private /tmp and of /dev/shm, each (bwrap only). Default 64 MiB. */
  tmpBytes?: number;
}
