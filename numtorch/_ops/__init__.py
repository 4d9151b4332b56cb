"""The ops: primitives with their forward on arrays and vector-Jacobian product side by side.

One file a kind: ``elementwise``, ``compare``, ``reduction``, ``movement``, ``indexing``,
``linalg``, ``nn`` (fused primitives) and ``creation``; ``_core`` records graph nodes and
promotes dtypes; ``registry`` holds the tables of names and attaches everything to Tensor and to
the ``numtorch`` namespace; ``inplace`` makes the in-place forms.
"""
