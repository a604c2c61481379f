// Deliberately does not compile: tests/build.test.mjs checks that scripts/build.sh
// fails (non-zero exit, the compiler's message shown) when a source has an error.
int softmax_wasm_broken(int x) { return x +; }
