"""services: the stream processors of usewatch, one package per feature (SPEC §2).

Each service package holds its pure logic (no I/O), its settings and a thin faust agent that
wires the logic to Kafka and to the state stores in `services.state`.
"""
