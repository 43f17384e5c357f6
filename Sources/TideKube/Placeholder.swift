import TideCore
