extension KubernetesPodTask {
    /// The pod an `executor: kubernetes` task runs in: the Tide image running
    /// `tide tasks run TASK_INSTANCE --try N`, which reads the try from PostgreSQL and runs the
    /// task's own command. Credentials come only from the Secret (`envFrom`); `environment` holds
    /// settings without secrets. Exit code 99 keeps meaning skipped.
    /// - Parameters:
    ///   - image: the Tide image (`kubernetes.worker_image`).
    ///   - secret: the Secret with `TIDE_DATABASE_URL` (`kubernetes.worker_secret`).
    public static func executorPod(
        for task: TaskSpec, taskInstanceId: Int64, tryNumber: Int, image: String, secret: String?,
        environment: [String: String]
    ) -> KubernetesPodTask {
        var pod = KubernetesPodTask(image: image)
        pod.cmds = ["tide", "tasks", "run", String(taskInstanceId), "--try", String(tryNumber)]
        pod.env = environment
        if let secret { pod.envFrom = [EnvFrom(secret: secret)] }
        pod.nodePool = task.executor?.nodePool
        pod.podTemplate = task.executor?.podTemplate
        pod.labels = ["tide.io/executor": "kubernetes"]
        pod.skipOnExitCode = [Int(ExitCodeRule.skipCode)]
        return pod
    }
}
