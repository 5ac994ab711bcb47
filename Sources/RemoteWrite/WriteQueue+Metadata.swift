import MetricsModel
import RemoteProtocol

extension WriteQueue {
    /// Sends every metric family's metadata each `metadata_config.send_interval`, in requests of at
    /// most `max_samples_per_send` entries, as Prometheus does. A failed request is tried again with
    /// backoff within the interval; the next interval sends everything anew anyway.
    func sendMetadataPeriodically(client: RemoteWriteClient) async {
        let interval = Duration.milliseconds(config.metadata.sendInterval.milliseconds)
        while !isStopping && !Task.isCancelled {
            await pause(interval)
            if isStopping || Task.isCancelled { return }
            let families = context.metadata().sorted { $0.family < $1.family }
            var start = 0
            while start < families.count {
                let batch = families[start..<min(start + config.metadata.maxSamplesPerSend, families.count)]
                var encoder = WriteRequestEncoder()
                for entry in batch { encoder.appendMetadata(family: entry.family, entry.metadata) }
                await sendMetadata(encoder.bytes, count: batch.count, client: client, until: .now + interval)
                start += batch.count
            }
        }
    }

    private func sendMetadata(_ body: [UInt8], count: Int, client: RemoteWriteClient, until deadline: ContinuousClock.Instant) async {
        var backoff = Duration.milliseconds(config.queue.minBackoff.milliseconds)
        while true {
            let (outcome, bytes) = await client.send(body)
            switch outcome {
            case .sent:
                context.metrics.metadata.add(Double(count), remoteName, config.url)
                context.metrics.metadataBytes.add(Double(bytes), remoteName, config.url)
                return
            case .refused(let status, let message):
                context.metrics.metadataFailed.add(Double(count), remoteName, config.url)
                logger.warning("remote write refused metadata", metadata: ["status": "\(status)", "error": "\(message)"])
                return
            case .retry(let after, let reason):
                let wait = after.map { max($0, backoff) } ?? backoff
                guard !isStopping, !Task.isCancelled, ContinuousClock.now + wait < deadline else {
                    context.metrics.metadataFailed.add(Double(count), remoteName, config.url)
                    return
                }
                context.metrics.metadataRetried.add(Double(count), remoteName, config.url)
                logger.debug("sending metadata failed; trying again", metadata: ["error": "\(reason)"])
                await pause(wait)
                backoff = min(backoff * 2, .milliseconds(config.queue.maxBackoff.milliseconds))
            }
        }
    }
}
