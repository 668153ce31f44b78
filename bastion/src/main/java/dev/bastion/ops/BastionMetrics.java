package dev.bastion.ops;

import dev.bastion.approval.Approvals;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.proxy.LiveSessions;
import dev.bastion.proxy.Traffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * The node's Prometheus metrics: sessions, logins, bytes, recording writes, viewers, approvals and
 * the JVM. Labels hold only bounded sets (a refusal's audit code), never an identity, an address or
 * a target. Counters that move per chunk of data are plain adders read at scrape time.
 */
public final class BastionMetrics implements AutoCloseable {
  /** Distinct refusal reasons kept as labels; any further (or odd-looking) code counts as other. */
  static final int MAX_REASONS = 64;

  private static final java.util.Set<String> LINT_REJECTED =
      java.util.Set.of("system.cpu.count", "process.cpu.time");
  private static final Pattern CODE = Pattern.compile("[a-z0-9_]{1,48}");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter accepted;
  private final Counter recordingFailures;
  private final ConcurrentHashMap<String, Counter> refused = new ConcurrentHashMap<>();
  private final Timer recordingWrites;

  public BastionMetrics(LiveSessions live, Approvals approvals) {
    // Two processor meters whose names promtool's lint rejects (a "_count" gauge, "ns" in a name).
    registry.config().meterFilter(MeterFilter.deny(id -> LINT_REJECTED.contains(id.getName())));
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("bastion.sessions.live", live, LiveSessions::count)
        .description("SSH sessions running through this node now")
        .register(registry);
    Gauge.builder("bastion.approvals.pending", approvals, Approvals::pending)
        .description("Four-eyes sessions waiting for an approver now")
        .register(registry);
    accepted =
        Counter.builder("bastion.logins.accepted")
            .description("SSH logins accepted (certificate or single sign-on)")
            .register(registry);
    FunctionCounter.builder("bastion.client.sent", Traffic.TO_CLIENTS, a -> a.sum())
        .baseUnit("bytes")
        .description("Bytes of target output forwarded to engineers' SSH clients")
        .register(registry);
    FunctionCounter.builder("bastion.client.received", Traffic.FROM_CLIENTS, a -> a.sum())
        .baseUnit("bytes")
        .description("Bytes of engineers' input forwarded to targets")
        .register(registry);
    recordingWrites =
        Timer.builder("bastion.recording.write")
            .description("Time of one group-commit write of a recording's pending events")
            .serviceLevelObjectives(
                Duration.ofMillis(1),
                Duration.ofMillis(5),
                Duration.ofMillis(25),
                Duration.ofMillis(100),
                Duration.ofMillis(500))
            .register(registry);
    recordingFailures =
        Counter.builder("bastion.recording.failures")
            .description("Recordings that failed (disk full, write error); see the audit log")
            .register(registry);
  }

  /** Counts the live web viewers (set once the web viewer runs). */
  public void viewers(IntSupplier viewers) {
    Gauge.builder("bastion.viewers.live", viewers, IntSupplier::getAsInt)
        .description("Live views of sessions open in web viewers of this node now")
        .strongReference(true) // a gauge holds its object weakly; this lambda has no other holder
        .register(registry);
  }

  /** Takes one audit event into the counters; quick, for {@code AuditLog.observe}. */
  public void saw(AuditEvent event) {
    AuditKind kind = event.kind();
    if (kind == AuditKind.LOGIN_ACCEPTED) {
      accepted.increment(event.count());
    } else if (kind == AuditKind.LOGIN_REFUSED) {
      refusedCounter(event.code()).increment(event.count());
    } else if (kind == AuditKind.RECORDING_FAILED) {
      recordingFailures.increment(event.count());
    }
  }

  /** One group-commit write took {@code nanos}. */
  public void recordingWrite(long nanos) {
    recordingWrites.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text format (0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  private Counter refusedCounter(String code) {
    String reason = code != null && CODE.matcher(code).matches() ? code : "other";
    Counter known = refused.get(reason);
    if (known != null) {
      return known;
    }
    if (refused.size() >= MAX_REASONS) {
      reason = "other";
    }
    return refused.computeIfAbsent(
        reason,
        r ->
            Counter.builder("bastion.logins.refused")
                .description("SSH logins refused, by reason (the audit code)")
                .tag("reason", r)
                .register(registry));
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
