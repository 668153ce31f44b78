/**
 * Settings both SSH legs share (algorithms, window size) and what the engineer's connection carries
 * once logged in; both {@code server} (engineers' side) and {@code upstream} (targets' side) use
 * it, and it uses neither.
 */
package dev.bastion.ssh;
