"""nerve.viz: pictures of models and of how they learn.

Every plot_* function returns a matplotlib Figure (drawn off-screen on the Agg canvas) and saves
it when given path= (PNG, or any format its suffix names). The numbers behind the pictures
(saliency_map, grad_cam, feature_maps, confusion_matrix, pca_2d, attention_scores, ...) are
plain numpy arrays. Needs the optional extra: pip install "nerve[viz]" (matplotlib, Pillow);
`import nerve.viz` works without it and each drawing function then raises an ImportError that
names the extra.

report() writes one self-contained HTML page about a model and its training; the Report callback
writes it from fit, with weight histograms over the epochs.
"""

from ._figures import figure_to_array
from .attention import attention_scores, plot_attention
from .confusion import confusion_matrix, plot_confusion_matrix
from .decision_boundary import CLASS_COLORS, plot_decision_boundary
from .feature_maps import feature_maps, plot_feature_maps
from .filters import filter_images, plot_filters
from .grad_cam import grad_cam, plot_grad_cam
from .histograms import layer_gradients, plot_gradient_histograms, plot_weight_histograms
from .history import plot_history
from .model_diagram import model_to_svg, plot_model
from .playground import playground_animation
from .projection import pca_2d, plot_projection
from .report import report
from .report_callback import Report
from .saliency import plot_saliency, saliency_map
from .weight_history import WeightHistory

__all__ = [
    "CLASS_COLORS",
    "Report",
    "WeightHistory",
    "attention_scores",
    "confusion_matrix",
    "feature_maps",
    "figure_to_array",
    "filter_images",
    "grad_cam",
    "layer_gradients",
    "model_to_svg",
    "pca_2d",
    "plot_attention",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_filters",
    "plot_grad_cam",
    "plot_gradient_histograms",
    "plot_history",
    "plot_model",
    "plot_projection",
    "plot_saliency",
    "plot_weight_histograms",
    "playground_animation",
    "report",
    "saliency_map",
]
