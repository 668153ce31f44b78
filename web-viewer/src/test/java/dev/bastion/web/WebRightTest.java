package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebRightTest {
  @Test
  void rightsAreNamedAsTheConfigurationWritesThem() {
    assertEquals(Optional.of(WebRight.SHADOW), WebRight.named("shadow"));
    assertEquals("approve", WebRight.APPROVE.word());
    assertTrue(WebRight.named("SHADOW").isEmpty(), "lower case only, as documented");
    assertTrue(WebRight.named("root").isEmpty());
  }

  @Test
  void theListOfRightsInErrorMessagesIsAlphabetical() {
    assertEquals("approve, audit, replay, shadow, terminate", WebRight.words());
  }
}
