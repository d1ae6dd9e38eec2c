"""The QuickSight definition of the dashboard: one sheet per section of the local dashboard, one visual per visual
of it with the same id, title, dataset and fields (vendorcast/dashboard/contents.py), the ASIN picker as a
drop-down filter control on the fan chart. Built for CfnAnalysis and CfnDashboard alike: each has its own copy
of the same property types, so the builder takes the resource class and looks the types up on it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_cdk import aws_quicksight as quicksight

from vendorcast.dashboard.contents import ACCURACY_CHART_METRICS, SECTIONS, Visual, VisualKind

# QuickSight's grid is 36 columns wide; the local page puts the fan chart and the tables across its width.
GRID_COLUMNS = 36
VISUAL_ROWS = 12
ASIN_FILTER_ID = "asin-filter"
ACCURACY_METRIC_FILTER_ID = "accuracy-metric-filter"


class _Types:
    """`types.BarChartVisual(...)` is `<resource>.BarChartVisualProperty(...)`."""

    def __init__(self, resource: type) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return getattr(self._resource, f"{name}Property")


class _Fields:
    """Field wells of one visual: every field id is `<visual id>.<column>`, unique in the definition."""

    def __init__(self, types: _Types, visual: Visual) -> None:
        self.t, self.visual = types, visual

    def _id(self, column: str, suffix: str = "") -> str:
        return f"{self.visual.id}.{column}{suffix}"

    def column(self, name: str) -> Any:
        return self.t.ColumnIdentifier(data_set_identifier=self.visual.dataset, column_name=name)

    def week(self, column: str) -> Any:
        return self.t.DimensionField(date_dimension_field=self.t.DateDimensionField(
            field_id=self._id(column), column=self.column(column), date_granularity="WEEK"))

    def category(self, column: str) -> Any:
        return self.t.DimensionField(categorical_dimension_field=self.t.CategoricalDimensionField(
            field_id=self._id(column), column=self.column(column)))

    def number_category(self, column: str) -> Any:
        return self.t.DimensionField(numerical_dimension_field=self.t.NumericalDimensionField(
            field_id=self._id(column), column=self.column(column)))

    def total(self, column: str, aggregation: str = "SUM") -> Any:
        return self.t.MeasureField(numerical_measure_field=self.t.NumericalMeasureField(
            field_id=self._id(column), column=self.column(column),
            aggregation_function=self.t.NumericalAggregationFunction(simple_numerical_aggregation=aggregation)))

    def distinct(self, column: str) -> Any:
        return self.t.MeasureField(categorical_measure_field=self.t.CategoricalMeasureField(
            field_id=self._id(column), column=self.column(column), aggregation_function="DISTINCT_COUNT"))

    def date_measure(self, column: str, aggregation: str) -> Any:
        return self.t.MeasureField(date_measure_field=self.t.DateMeasureField(
            field_id=self._id(column, f".{aggregation.lower()}"), column=self.column(column),
            aggregation_function=aggregation))

    def title(self) -> Any:
        return self.t.VisualTitleLabelOptions(visibility="VISIBLE",
                                              format_text=self.t.ShortFormatText(plain_text=self.visual.title))


# --- one builder per visual of the local dashboard --------------------------------------------------------------

def _line_chart(f: _Fields, x: Any, values: list[Any]) -> Any:
    t = f.t
    return t.Visual(line_chart_visual=t.LineChartVisual(
        visual_id=f.visual.id, title=f.title(),
        chart_configuration=t.LineChartConfiguration(field_wells=t.LineChartFieldWells(
            line_chart_aggregated_field_wells=t.LineChartAggregatedFieldWells(category=[x], values=values)))))


def _bar_chart(f: _Fields, x: Any, values: list[Any], colors: list[Any] | None = None,
               arrangement: str = "CLUSTERED") -> Any:
    t = f.t
    return t.Visual(bar_chart_visual=t.BarChartVisual(
        visual_id=f.visual.id, title=f.title(),
        chart_configuration=t.BarChartConfiguration(
            orientation="VERTICAL", bars_arrangement=arrangement,
            field_wells=t.BarChartFieldWells(bar_chart_aggregated_field_wells=t.BarChartAggregatedFieldWells(
                category=[x], colors=colors or [], values=values)))))


def _row_table(f: _Fields, columns: list[str], sort_by: str) -> Any:
    """A table of the dataset's rows, `sort_by` descending."""
    t = f.t
    return t.Visual(table_visual=t.TableVisual(
        visual_id=f.visual.id, title=f.title(),
        chart_configuration=t.TableConfiguration(
            field_wells=t.TableFieldWells(table_unaggregated_field_wells=t.TableUnaggregatedFieldWells(values=[
                t.UnaggregatedField(field_id=f"{f.visual.id}.{c}", column=f.column(c)) for c in columns])),
            sort_configuration=t.TableSortConfiguration(row_sort=[t.FieldSortOptions(
                field_sort=t.FieldSort(field_id=f"{f.visual.id}.{sort_by}", direction="DESC"))]))))


def _fan_chart(f: _Fields) -> Any:
    return _line_chart(f, f.week("week_start"), [f.total(c) for c in (
        "actual_units", "p10", "p50", "p90", "amazon_p70", "amazon_p90")])


def _stockout_risk_counts(f: _Fields) -> Any:
    return _bar_chart(f, f.category("lead_time_source"), [f.distinct("asin")], [f.category("stockout_risk")],
                      "STACKED")


def _stockout_risk_table(f: _Fields) -> Any:
    return _row_table(f, ["asin", "account", "marketplace_id", "inventory_week_start", "sellable_on_hand_units",
                          "open_purchase_order_units", "open_purchase_order_units_source", "lead_time_weeks",
                          "p90_demand_units", "shortfall_units", "stockout_risk"], sort_by="shortfall_units")


def _plan_by_week(f: _Fields) -> Any:
    return _line_chart(f, f.week("week_start"), [f.total(c) for c in (
        "start_units", "expected_orders_units", "projected_on_hand_units")])


def _plan_decisions(f: _Fields) -> Any:
    return _row_table(f, ["asin", "item_name", "account", "marketplace_id", "start_units", "arrival_week_start",
                          "lead_time_weeks", "inventory_position_units", "order_up_to_units",
                          "expected_orders_units", "expected_fill_rate", "defaults_used", "reason"],
                      sort_by="start_units")


def _po_advice(f: _Fields) -> Any:
    return _row_table(f, ["risk", "purchase_order_number", "item_sequence_number", "asin", "account",
                          "marketplace_id", "ship_to_party_id",
                          "window_end", "days_left", "ordered_units", "confirm_units", "shortfall_units", "reason"],
                      sort_by="shortfall_units")


def _otif_by_week(f: _Fields) -> Any:
    return _line_chart(f, f.week("week_start"), [f.total("otif_rate", "AVERAGE"), f.total("fill_rate", "AVERAGE")])


def _otif_worst_asins(f: _Fields) -> Any:
    return _row_table(f, ["asin", "account", "marketplace_id", "weeks", "ordered_units", "received_units",
                          "on_time_in_full_units", "otif_rate", "fill_rate"], sort_by="ordered_units")


def _open_po_risk(f: _Fields) -> Any:
    return _row_table(f, ["risk", "purchase_order_number", "item_sequence_number", "asin", "account",
                          "marketplace_id", "ship_to", "confirmation_status", "window_end", "days_left",
                          "units_to_deliver"], sort_by="units_to_deliver")


def _model_accuracy(f: _Fields) -> Any:
    return _bar_chart(f, f.category("metric"), [f.total("value", "AVERAGE")], [f.category("model")])


def _accuracy_vs_amazon(f: _Fields) -> Any:
    return _bar_chart(f, f.number_category("horizon"),
                      [f.total("wql_p70_p90", "AVERAGE"), f.total("amazon_wql_p70_p90", "AVERAGE")])


def _run_accuracy(f: _Fields) -> Any:
    return _line_chart(f, f.week("forecast_origin"), [f.total(c, "AVERAGE") for c in (
        "wql_mean", "seasonal_naive_wql_mean", "wql_p70_p90", "amazon_wql_p70_p90")])


def _run_table(f: _Fields) -> Any:
    return _row_table(f, ["forecast_origin", "run_id", "run_trigger", "status", "items_forecast", "wql_mean",
                          "seasonal_naive_wql_mean", "wql_p70_p90", "amazon_wql_p70_p90", "failed_state", "error"],
                      sort_by="forecast_origin")


def _sales_trend(f: _Fields) -> Any:
    return _line_chart(f, f.week("week_start"), [f.total("units"), f.total("units_last_year")])


def _catalog_changes_by_week(f: _Fields) -> Any:
    return _bar_chart(f, f.week("detected_week"), [f.distinct("asin")], [f.category("field")], "STACKED")


def _catalog_changes_table(f: _Fields) -> Any:
    return _row_table(f, ["detected_at", "asin", "account", "marketplace_id", "field", "before_value",
                          "after_value"], sort_by="detected_at")


def _ingestion_heatmap(f: _Fields) -> Any:
    t = f.t
    return t.Visual(heat_map_visual=t.HeatMapVisual(
        visual_id=f.visual.id, title=f.title(),
        chart_configuration=t.HeatMapConfiguration(field_wells=t.HeatMapFieldWells(
            heat_map_aggregated_field_wells=t.HeatMapAggregatedFieldWells(
                rows=[f.category("report_table")], columns=[f.week("week_start")], values=[f.total("asins")])))))


def _ingestion_table(f: _Fields) -> Any:
    t = f.t
    return t.Visual(table_visual=t.TableVisual(
        visual_id=f.visual.id, title=f.title(),
        chart_configuration=t.TableConfiguration(field_wells=t.TableFieldWells(
            table_aggregated_field_wells=t.TableAggregatedFieldWells(
                group_by=[f.category("report_table"), f.category("account"), f.category("marketplace_id")],
                values=[f.date_measure("week_start", "MIN"), f.date_measure("week_start", "MAX"),
                        f.date_measure("week_start", "DISTINCT_COUNT"),
                        f.date_measure("latest_ingested_at", "MAX")])))))


VISUAL_BUILDERS: dict[str, Callable[[_Fields], Any]] = {
    "fan_chart": _fan_chart,
    "stockout_risk_counts": _stockout_risk_counts,
    "stockout_risk_table": _stockout_risk_table,
    "plan_by_week": _plan_by_week,
    "plan_decisions": _plan_decisions,
    "po_advice": _po_advice,
    "otif_by_week": _otif_by_week,
    "otif_worst_asins": _otif_worst_asins,
    "open_po_risk": _open_po_risk,
    "model_accuracy": _model_accuracy,
    "accuracy_vs_amazon": _accuracy_vs_amazon,
    "run_accuracy": _run_accuracy,
    "run_table": _run_table,
    "sales_trend": _sales_trend,
    "catalog_changes_by_week": _catalog_changes_by_week,
    "catalog_changes_table": _catalog_changes_table,
    "ingestion_heatmap": _ingestion_heatmap,
    "ingestion_table": _ingestion_table,
}


# --- filters: the ASIN picker, and the accuracy chart's loss metrics ------------------------------------------------

def _filter_group(t: _Types, group_id: str, filter_id: str, visual: Visual, sheet_id: str, column: str,
                  values: list[str] | None) -> Any:
    listed = t.FilterListConfiguration(match_operator="CONTAINS", category_values=values) if values else \
        t.FilterListConfiguration(match_operator="CONTAINS", select_all_options="FILTER_ALL_VALUES")
    return t.FilterGroup(
        filter_group_id=group_id, cross_dataset="SINGLE_DATASET", status="ENABLED",
        filters=[t.Filter(category_filter=t.CategoryFilter(
            filter_id=filter_id,
            column=t.ColumnIdentifier(data_set_identifier=visual.dataset, column_name=column),
            configuration=t.CategoryFilterConfiguration(filter_list_configuration=listed)))],
        scope_configuration=t.FilterScopeConfiguration(selected_sheets=t.SelectedSheetsFilterScopeConfiguration(
            sheet_visual_scoping_configurations=[t.SheetVisualScopingConfiguration(
                sheet_id=sheet_id, scope="SELECTED_VISUALS", visual_ids=[visual.id])])))


def _sheet_of(visual_id: str) -> tuple[str, Visual]:
    for section in SECTIONS:
        for visual in section.visuals:
            if visual.id == visual_id:
                return section.id, visual
    raise KeyError(visual_id)


def _filter_groups(t: _Types) -> list[Any]:
    fan_sheet, fan = _sheet_of("fan_chart")
    accuracy_sheet, accuracy = _sheet_of("model_accuracy")
    return [
        _filter_group(t, "asin-picker", ASIN_FILTER_ID, fan, fan_sheet, "asin", None),
        _filter_group(t, "accuracy-metrics", ACCURACY_METRIC_FILTER_ID, accuracy, accuracy_sheet, "metric",
                      list(ACCURACY_CHART_METRICS)),
    ]


def _sheets(t: _Types) -> list[Any]:
    sheets = []
    for section in SECTIONS:
        controls = []
        if any(v.kind is VisualKind.FAN_CHART for v in section.visuals):
            controls.append(t.FilterControl(dropdown=t.FilterDropDownControl(
                filter_control_id="asin-picker-control", source_filter_id=ASIN_FILTER_ID, title="ASIN",
                type="SINGLE_SELECT")))
        elements = [t.GridLayoutElement(
            element_id=visual.id, element_type="VISUAL", row_span=VISUAL_ROWS,
            column_span=GRID_COLUMNS if visual.kind in (VisualKind.FAN_CHART, VisualKind.TABLE) else GRID_COLUMNS // 2)
            for visual in section.visuals]
        sheets.append(t.SheetDefinition(
            sheet_id=section.id, name=section.title, title=section.title,
            visuals=[VISUAL_BUILDERS[v.id](_Fields(t, v)) for v in section.visuals],
            filter_controls=controls or None,
            layouts=[t.Layout(configuration=t.LayoutConfiguration(
                grid_layout=t.GridLayoutConfiguration(elements=elements)))]))
    return sheets


def dashboard_definition(resource: type[quicksight.CfnAnalysis] | type[quicksight.CfnDashboard],
                         dataset_arns: Mapping[str, str]) -> Any:
    """The definition for `resource` (CfnAnalysis or CfnDashboard), its datasets named by the local dashboard's
    dataset names."""
    t = _Types(resource)
    top = t.AnalysisDefinition if resource is quicksight.CfnAnalysis else t.DashboardVersionDefinition
    return top(
        data_set_identifier_declarations=[t.DataSetIdentifierDeclaration(identifier=name, data_set_arn=arn)
                                          for name, arn in dataset_arns.items()],
        sheets=_sheets(t),
        filter_groups=_filter_groups(t),
    )


__all__ = ["VISUAL_BUILDERS", "dashboard_definition"]
