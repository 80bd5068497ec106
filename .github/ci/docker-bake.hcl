# The bake definition the repository's CI builds with ./actions/bake: the example image, under a
# tag the workflow sets with `set: hello.tags=...`.
target "hello" {
  context    = "examples/hello"
  dockerfile = "Dockerfile"
}
