package dev.bastion.keys;

import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the real {@code ssh-keygen -L -f FILE} says about a certificate, parsed. */
record SshKeygenListing(
    Map<String, String> fields,
    List<String> principals,
    List<String> criticalOptions,
    List<String> extensions) {

  static SshKeygenListing of(Path certificate) {
    String out = OpenSsh.describe(certificate);
    Map<String, String> fields = new LinkedHashMap<>();
    Map<String, List<String>> lists = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("                ") && current != null) {
        current.add(line.strip());
      } else if (line.startsWith("        ")) {
        String[] kv = line.strip().split(":", 2);
        String value = kv[1].strip();
        fields.put(kv[0], value);
        current = new ArrayList<>();
        lists.put(kv[0], current);
      }
    }
    return new SshKeygenListing(
        fields,
        lists.getOrDefault("Principals", List.of()),
        lists.getOrDefault("Critical Options", List.of()),
        lists.getOrDefault("Extensions", List.of()));
  }

  String field(String name) {
    return fields.get(name);
  }
}
