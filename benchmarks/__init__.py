"""Benchmarks of the nightly pipeline at real-account sizes (`make bench`).

They print figures and never assert: timings on a shared machine are compared as ratios
measured in one run (the bare compiled SQL is the reference). Not part of the product
package: they use the emulators and the synthetic company to make the seed data.
"""
