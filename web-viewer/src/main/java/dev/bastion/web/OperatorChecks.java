package dev.bastion.web;

import java.util.List;

/**
 * What the operator endpoints ({@code /readyz}, {@code /metrics}) ask the bastion. Both methods may
 * block (database, disk); the web server calls them off its event loops. Neither answer may name a
 * person or a target: the endpoints are unauthenticated.
 */
public interface OperatorChecks {
  /** No checks and no metrics: always ready, an empty scrape. */
  OperatorChecks NONE =
      new OperatorChecks() {
        @Override
        public List<String> notReady() {
          return List.of();
        }

        @Override
        public String metrics() {
          return "";
        }
      };

  /** What keeps this node from serving, one short phrase each (empty when ready). */
  List<String> notReady();

  /** The metrics in the Prometheus text format (version 0.0.4). */
  String metrics();
}
