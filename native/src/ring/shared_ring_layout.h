// Shared ring layout: the contract between the addon (single producer) and assembly/ring.ts
// (single consumer). Mirrored in assembly/ring.ts; test/ring-layout.test.ts checks both agree.
//
// The ring lives inside the WebAssembly memory (a SharedArrayBuffer). Offsets are from the ring base.
// Positions are free-running u32 byte counters; index = pos & (capacity - 1).
// Frame: u32 length (payload bytes) | u16 source | u16 flags | payload, padded to 8 bytes.
// A frame never straddles the end: when it would, the producer writes a header with
// KW_FRAME_WRAP and continues at the next multiple of capacity.
#pragma once

#define KW_RING_PRODUCER_POS 0   // u32, producer stores (release) once per batch
#define KW_RING_CONSUMER_POS 64  // u32, consumer stores (release) once per batch
#define KW_RING_CAPACITY 128     // u32, data bytes, power of two >= 4096, written by JS before open
#define KW_RING_MAGIC 132        // u32, KW_RING_MAGIC_VALUE, written by JS before open
#define KW_RING_FRAMES 136       // u64, frames published (producer)
#define KW_RING_BYTES 144        // u64, payload bytes published (producer)
#define KW_RING_FULL_WAITS 152   // u64, times the producer found the ring full and paused reading the kernel
#define KW_RING_WAKEUPS 160      // u64, wake-ups sent to JS
#define KW_RING_OVERSIZE 168     // u64, kernel records dropped because larger than capacity / 2
#define KW_RING_KERNEL_LOST 176  // u64, records the transport says the kernel lost (perf PERF_RECORD_LOST)
#define KW_RING_HEADER_SIZE 256  // data area starts here
#define KW_RING_MAGIC_VALUE 0x3152574bu  // "KWR1"

#define KW_FRAME_HEADER_SIZE 8
#define KW_FRAME_ALIGN 8
#define KW_FRAME_WRAP 0x8000  // flags bit: skip to the start of the data area
