// Allocation for TypeScript: rings, column regions. Instances live as long as a source, so the stub
// runtime's bump allocator is enough; nothing is freed before the instance is dropped.
export function alloc(size: usize): usize {
  const ptr = heap.alloc(size + 64);
  return (ptr + 63) & ~(<usize>63); // cache-line aligned, as the ring header's fields expect
}
