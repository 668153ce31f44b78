package dev.bastion.ops;

import dev.bastion.web.OperatorChecks;
import java.util.List;

/** What {@code /readyz} and {@code /metrics} of the web port show for this node. */
public record OperatorView(Readiness readiness, BastionMetrics meters) implements OperatorChecks {
  @Override
  public List<String> notReady() {
    return readiness.notReady();
  }

  @Override
  public String metrics() {
    return meters.scrape();
  }
}
