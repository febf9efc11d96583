import Foundation
import Hummingbird
import Metrics
import Prometheus

/// What `/metrics` shows, through swift-metrics (the Prometheus factory is bootstrapped by `runServer`).
enum ServerMetrics {
    static let synthesisSeconds = Metrics.Timer(label: "f5tts_synthesis_seconds")
    static let timeToFirstAudio = Metrics.Timer(label: "f5tts_time_to_first_audio_seconds")
    static let audioSeconds = FloatingPointCounter(label: "f5tts_audio_seconds_total")
    static let realTimeFactor = Recorder(label: "f5tts_real_time_factor")
    static let queueDepth = Gauge(label: "f5tts_queue_depth")
    static let voiceCacheBytes = Gauge(label: "f5tts_voice_cache_bytes")

    /// A response that failed after its headers went out (the client sees the body end early).
    static func streamFailed(reason: String) {
        Counter(label: "f5tts_stream_failures_total", dimensions: [("reason", reason)]).increment()
    }

    /// Histogram buckets that fit syntheses of seconds to minutes, and real-time factors around 1.
    static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Duration] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300].map { .milliseconds(Int($0 * 1000)) }
        factory.durationHistogramBuckets = ["f5tts_synthesis_seconds": seconds, "f5tts_time_to_first_audio_seconds": seconds]
        factory.valueHistogramBuckets = ["f5tts_real_time_factor": [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16]]
        return factory
    }

    /// One finished synthesis: its wall time, audio length, their ratio, and when its first audio left.
    static func record(seconds: Double, audioSeconds audio: Double, firstAudio: Double?) {
        synthesisSeconds.recordSeconds(seconds)
        audioSeconds.increment(by: audio)
        if audio > 0 { realTimeFactor.record(seconds / audio) }
        if let firstAudio { timeToFirstAudio.recordSeconds(firstAudio) }
    }
}

/// Counts every response by route and status as `f5tts_requests_total`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            count(context, response.status.code)
            return response
        } catch let error as HTTPResponseError {
            count(context, error.status.code)
            throw error
        } catch {
            count(context, 500)
            throw error
        }
    }

    private func count(_ context: Context, _ status: Int) {
        Counter(label: "f5tts_requests_total", dimensions: [("route", context.endpointPath ?? "unknown"), ("status", "\(status)")]).increment()
    }
}
