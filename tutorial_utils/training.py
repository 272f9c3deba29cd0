"""The 2016 tutorial's model helpers: inspect, build, train, plot the learning curve, test."""

from __future__ import annotations

import inspect

import numpy as np

from tutorial_utils.metrics import ClassificationResult

# a test auROC below this is reported as chance level, not as a result
CHANCE_AUROC = 0.55
# new initializations train_SequenceDNN gives a model that stalls far from separating the classes
TRAIN_RETRIES = 2


def inspect_SequenceDNN() -> None:
    """Print the SequenceDNN documentation and the names of its public methods."""
    from tutorial_utils.models import SequenceDNN

    print(inspect.getdoc(SequenceDNN))
    print("")
    print("Available methods:")
    print("")
    methods = sorted(
        name
        for name, member in vars(SequenceDNN).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, classmethod))
    )
    for name in methods:
        print(name)


def get_SequenceDNN(parameters: dict):
    """``SequenceDNN(**parameters)``; see :func:`inspect_SequenceDNN` for the parameters."""
    from tutorial_utils.models import SequenceDNN

    if not isinstance(parameters, dict):
        raise TypeError(
            f"parameters must be a dict of SequenceDNN arguments, got {type(parameters).__name__}"
        )
    allowed = list(inspect.signature(SequenceDNN).parameters)
    unknown = [key for key in parameters if key not in allowed]
    if unknown:
        raise TypeError(
            f"parameters has unknown keys {unknown}; SequenceDNN takes {', '.join(allowed)}"
        )
    return SequenceDNN(**parameters)


def _check_dnn(dnn, methods: tuple[str, ...]) -> None:
    missing = [method for method in methods if not callable(getattr(dnn, method, None))]
    if missing:
        raise TypeError(
            f"dnn must be a SequenceDNN (with {', '.join(methods)}), got {type(dnn).__name__}"
        )


def _check_data(simulation_data, fields: tuple[str, ...]) -> None:
    missing = [field for field in fields if not hasattr(simulation_data, field)]
    if not isinstance(simulation_data, tuple) or missing:
        raise TypeError(
            "simulation_data must be the Data tuple from get_simulation_data "
            f"(fields {', '.join(fields)}), got {type(simulation_data).__name__}"
        )


def train_SequenceDNN(dnn, simulation_data, **train_kwargs):
    """Train ``dnn`` on the training split, early-stopping on the validation split.

    Extra keyword arguments go to :meth:`SequenceDNN.train` (e.g. ``num_epochs``,
    ``patience``). Unlike ``SequenceDNN.train``, ``retries`` defaults to 2 (TRAIN_RETRIES): a
    model that stalls far from separating the classes is trained again from new weights, so
    that the 2016 notebook's unchanged code reaches the workshop's result on every seed
    (``bench/workshop_2016.py``). Returns the trained model.
    """
    _check_dnn(dnn, ("train",))
    _check_data(simulation_data, ("X_train", "y_train", "X_valid", "y_valid"))
    train_kwargs.setdefault("retries", TRAIN_RETRIES)
    return dnn.train(
        simulation_data.X_train,
        simulation_data.y_train,
        (simulation_data.X_valid, simulation_data.y_valid),
        **train_kwargs,
    )


def SequenceDNN_learning_curve(dnn):
    """Plot training and validation loss per epoch with the early-stopping epoch.

    Returns the matplotlib Figure (10 x 4 in): training loss in blue, validation loss in red,
    a dashed black "Early Stop" line at ``dnn.best_epoch`` (the epoch whose weights the model
    keeps). Raises ``ValueError`` for a model that has not been trained.
    """
    import matplotlib.pyplot as plt

    if not hasattr(dnn, "valid_losses"):
        raise TypeError(f"dnn must be a SequenceDNN, got {type(dnn).__name__}")
    if not dnn.valid_losses:
        raise ValueError(
            "dnn has not been trained: learning curve can only be obtained after training!"
        )
    epochs = np.arange(len(dnn.valid_losses))
    figure, axis = plt.subplots(figsize=(10, 4))
    axis.plot(epochs, dnn.train_losses, "b", linewidth=4, label="Training")
    axis.plot(epochs, dnn.valid_losses, "r", linewidth=4, label="Validation")
    top = max(1.0, float(np.nanmax([*dnn.train_losses, *dnn.valid_losses])) * 1.05)
    axis.plot([dnn.best_epoch] * 2, [0, top], "k--", label="Early Stop")
    axis.legend(loc="upper right")
    axis.set_ylabel("Loss")
    axis.set_xlabel("Epoch")
    axis.set_ylim(0, top)
    return figure


def test_SequenceDNN(dnn, simulation_data) -> ClassificationResult:
    """Print "Test performance:" and the metrics on the test split; return the result."""
    _check_dnn(dnn, ("test",))
    _check_data(simulation_data, ("X_test", "y_test"))
    result = dnn.test(simulation_data.X_test, simulation_data.y_test)
    auroc = np.asarray(result["auROC"], dtype=float)
    if getattr(dnn, "at_chance", False) or np.any(auroc < CHANCE_AUROC):
        print(
            "Test performance: AT CHANCE. This model has not learnt to tell the classes apart "
            f"(test auROC {', '.join(f'{a:.3f}' for a in auroc)}; a coin toss scores 0.5), so "
            "the numbers below are those of a guess, not a result. Train it again from new "
            "weights (another seed, or train_SequenceDNN(..., restarts=2)), with more data, or "
            "with pooling that fits the label (pool_width='global'); see the message at the end "
            "of training."
        )
    else:
        print("Test performance:")
    print(result)
    return result


# pytest would otherwise collect this public tutorial function as a test
test_SequenceDNN.__test__ = False
