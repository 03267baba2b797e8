"""framelens presentation: charts, tables and the headless export, shared by the dashboard
pages and `python -m analysis export`.

Data walks one way: `analysis` computes results into the store, `framelens.queries` reads
them as tables, and this package draws and writes them. Nothing here computes analysis
results or imports torch.
"""
