package dev.bastion.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.stream.Collectors;

/**
 * Reads {@code bastion.yaml} into {@link RawConfig}; checking the values is {@link ConfigLoader}'s.
 */
final class RawConfigReader {
  private RawConfigReader() {}

  /**
   * The YAML text as written, or why it cannot be read: an unknown key, a value of a wrong kind.
   */
  static RawConfig read(String source, String yaml) {
    ObjectMapper mapper =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    RawConfig raw;
    try {
      raw = yaml.isBlank() ? null : mapper.readValue(yaml, RawConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String where = path(e);
      throw new ConfigException(
          source
              + ": unknown key '"
              + (where.isEmpty() ? e.getPropertyName() : where)
              + "'; known keys there: "
              + e.getKnownPropertyIds().stream()
                  .map(Object::toString)
                  // read only to be refused: never suggest writing a secret into the file
                  .filter(key -> !key.equals("client_secret"))
                  .sorted()
                  .collect(Collectors.joining(", ")));
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      throw new ConfigException(
          source + ": " + path(e) + ": expected " + expected(e.getTargetType()) + " here");
    } catch (JsonMappingException e) {
      throw new ConfigException(
          source + ": " + path(e) + ": " + e.getOriginalMessage().split("\n")[0]);
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          source
              + ": not valid YAML at line "
              + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
              + ": "
              + e.getOriginalMessage());
    }
    if (raw == null) {
      raw = new RawConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }
    return raw;
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "another kind of value";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping (key: value)";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    if (Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    return "text";
  }

  private static String path(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }
}
