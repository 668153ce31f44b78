package dev.bastion.recorder;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte array reused across writes, so the hot path does not allocate per event. */
final class ByteBuf {
  private byte[] data;
  private int size;

  ByteBuf(int capacity) {
    data = new byte[capacity];
  }

  byte[] array() {
    return data;
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  void truncate(int newSize) {
    size = newSize;
  }

  void ensure(int more) {
    if (size + more > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, size + more));
    }
  }

  void put(byte b) {
    ensure(1);
    data[size++] = b;
  }

  void put(byte[] bytes, int offset, int length) {
    ensure(length);
    System.arraycopy(bytes, offset, data, size, length);
    size += length;
  }

  void put(byte[] bytes) {
    put(bytes, 0, bytes.length);
  }

  void putAscii(String text) {
    put(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** Seconds with six decimals, as asciicast timestamps are written ({@code 12.000345}). */
  void putSeconds(long micros) {
    putAscii(Long.toString(micros / 1_000_000));
    put((byte) '.');
    String fraction = Long.toString(micros % 1_000_000);
    for (int i = fraction.length(); i < 6; i++) {
      put((byte) '0');
    }
    putAscii(fraction);
  }
}
