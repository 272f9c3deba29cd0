"""DragoNN Workshop: simulate regulatory DNA, train Keras 3 CNNs on it, and interpret them.

The names below are the 2016 DragoNN tutorial API plus its modern additions. They are loaded
lazily, so ``import tutorial_utils`` is instant and Keras (with its backend) is imported only when
a model or an attribution method is first used. Unless set already, ``TF_CPP_MIN_LOG_LEVEL`` is
set to 2 so that TensorFlow's C++ info lines (XLA start-up and the like) stay out of notebooks, and
the lines TensorFlow prints while it loads, before that setting applies, are filtered the same
way (``_tf_startup``).
"""

from __future__ import annotations

import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ._tf_startup import install as _quiet_tensorflow_startup  # noqa: E402

_quiet_tensorflow_startup()

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # encoding
    "one_hot_encode": "encoding",
    "one_hot_decode": "encoding",
    "get_sequence_strings": "encoding",
    "reverse_complement": "encoding",
    "read_fasta": "encoding",
    "encode_fasta_sequences": "encoding",
    # motifs
    "Motif": "motifs",
    "get_motif": "motifs",
    "list_motifs": "motifs",
    "load_motifs": "motifs",
    "read_motif_file": "motif_files",
    # simulations
    "Embedding": "simulations",
    "EmbeddingTable": "simulations",
    "dinucleotide_shuffle": "simulations",
    "simulate_single_motif_detection": "simulations",
    "simulate_motif_counting": "simulations",
    "simulate_motif_density_localization": "simulations",
    "simulate_multi_motif_embedding": "simulations",
    "simulate_differential_accessibility": "simulations",
    "simulate_heterodimer_grammar": "simulations",
    # the 2016 tutorial's data helpers
    "Data": "datasets",
    "get_available_simulations": "datasets",
    "print_available_simulations": "datasets",
    "get_simulation_function": "datasets",
    "print_simulation_info": "datasets",
    "get_simulation_data": "datasets",
    # real sequences: FASTA files, peaks and a genome
    "GenomicData": "genomic_data",
    "example_peaks_fasta": "genomic_data",
    "load_fasta_sequences": "genomic_data",
    "read_peaks": "genomic_data",
    "index_genome": "genomic_data",
    "open_genome": "genomic_data",
    "peak_sequences": "genomic_data",
    "background_sequences": "genomic_data",
    "load_peaks": "genomic_data",
    "gc_content": "genomic_data",
    # models and metrics
    "SequenceDNN": "models",
    "ClassificationResult": "metrics",
    "KmerBaseline": "baselines",
    "inspect_SequenceDNN": "training",
    "get_SequenceDNN": "training",
    "train_SequenceDNN": "training",
    "SequenceDNN_learning_curve": "training",
    "test_SequenceDNN": "training",
    "SimulationStream": "recipe",
    # interpretation
    "get_motif_scores": "motif_scan",
    "match_filters_to_motifs": "motif_scan",
    "in_silico_mutagenesis": "ism",
    "deeplift": "attribution",
    "gradient_times_input": "attribution",
    "discover_motifs": "discovery",
    "match_motifs": "motif_match",
    "interpret_SequenceDNN_filter_centric": "interpret_views",
    "interpret_SequenceDNN_sequence_centric": "interpret_views",
    "interpret_SequenceDNN_integrative": "interpret_views",
    "plot_deeplift_grammar": "interpret_views",
    "spacing_curve": "spacing",
    "plot_spacing_curves": "spacing",
    "spacing_summary": "spacing",
    "strand_only_scores": "spacing",
    "plot_convolution_schematic": "schematics",
    "plot_cooperative_binding_schematic": "schematics",
    "plot_sequence_filters": "interpret_views",
    # the same views under the 2016 notebooks' names (June and December)
    "interpret_SequenceDNN_distributed": "interpret_views",
    "interpret_SequenceDNN_filters": "interpret_views",
    "interpret_data_with_SequenceDNN": "interpret_views",
    "plot_SequenceDNN_layer_outputs": "interpret_views",
    # logos
    "plot_logo": "logos",
    "plot_motif": "logos",
    "plot_motifs": "logos",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'tutorial_utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tutorial_utils.{module_name}"), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
